/**
 * Builds the Fastify app as a plugin tree from ready-made dependencies (no listening, no signals), so tests
 * drive it with inject() and server.ts only adds the network around it.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import type { AppDeps } from './app-deps.ts';
import { registerBodyGuards } from './body-guards.ts';
import { redactUrl } from './redact.ts';
import { registerErrorHandler, replyWithError } from './error-handler.ts';
import actionRoutes from './routes/actions.ts';
import analysisRoutes from './routes/analyses.ts';
import chartRoutes from './routes/charts.ts';
import gateRoutes from './routes/gates.ts';
import healthRoutes from './routes/health.ts';
import landingRoutes from './routes/landing.ts';
import notificationRoutes from './routes/notifications.ts';
import upgradeRoutes from './routes/upgrades.ts';
import verdictRoutes from './routes/verdict.ts';

export const API_VERSION = '1.0.0';
const REQUEST_ID = /^[\w.:-]{1,100}$/;
const MAX_PARAM_LENGTH = 500;
/**
 * Stable operationIds for the OpenAPI document: client generators name their methods after them, and without
 * them the names are derived from paths and change when a route moves.
 */
export const OPERATION_IDS: Record<string, string> = {
  'GET /healthz': 'getHealth',
  'GET /readyz': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'POST /v1/analyses': 'createAnalysis',
  'GET /v1/analyses': 'listAnalyses',
  'GET /v1/analyses/:id': 'getAnalysis',
  'GET /v1/analyses/:id/report.md': 'getAnalysisMarkdown',
  'GET /v1/analyses/:id/report.html': 'getAnalysisHtml',
  'GET /v1/analyses/:id/charts': 'listAnalysisCharts',
  'GET /v1/analyses/:id/charts/:file': 'getAnalysisChart',
  'GET /v1/verdict': 'getVerdict',
  'GET /v1/flag': 'getFlag',
  'POST /v1/actions/backoff-constants': 'setBackoffConstants',
  'POST /v1/actions/kill-switch': 'killSwitch',
  'POST /v1/actions/:id/revert': 'revertAction',
  'GET /v1/actions': 'listActions',
  'GET /v1/actions/:id': 'getAction',
  'GET /v1/guard/decisions': 'listGuardDecisions',
  'GET /v1/gates/argo': 'getArgoGate',
  'POST /v1/gates/flagger': 'flaggerGate',
  'GET /v1/notifications/deliveries': 'listNotificationDeliveries',
  'POST /v1/upgrades': 'createUpgrade',
  'GET /v1/upgrades': 'listUpgrades',
  'GET /v1/upgrades/:id': 'getUpgrade',
  'GET /v1/upgrades/:id/status.md': 'getUpgradeStatusMarkdown',
  'GET /v1/upgrades/:id/status.txt': 'getUpgradeStatusText',
  'POST /v1/upgrades/:id/rollback': 'rollbackUpgrade',
  'GET /upgrades/:id': 'getUpgradePage',
};

export interface BuildAppOptions {
  deps: AppDeps;
  /** pino instance shared with the analysis service; silent when absent. */
  logger?: Logger;
}

export async function buildApp({ deps, logger }: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    // Honour a caller's X-Request-Id (for tracing through a proxy) only when it looks like an id.
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      // The id is in every log line of the request: a token sent as an id by mistake must not become one.
      return typeof given === 'string' && REQUEST_ID.test(given) && !deps.secrets?.isSecret(given) ? given : randomUUID();
    },
    bodyLimit: deps.settings.server.writeBodyLimitBytes,
    // Ids longer than the router's default 100 characters must reach schema validation (400 naming the field)
    // instead of the router's own 414 in Fastify's error shape.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Router errors (malformed %-escapes, over-long params) go through our error handler, so clients get the
    // documented error body with a request id instead of Fastify's own shape.
    frameworkErrors: (error, request, reply) => replyWithError(error, request as FastifyRequest, reply as FastifyReply),
    // One log line per request (written in onResponse) instead of Fastify's two: the verdict poll is hot.
    logController: new LogController({ disableRequestLogging: true }),
    // No 'array' coercion: a string where the body needs a list is an error, not a one-element list.
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  });

  registerErrorHandler(app);
  app.addHook('onRoute', (route) => {
    const id = typeof route.method === 'string' ? OPERATION_IDS[`${route.method} ${route.url}`] : undefined;
    if (id && route.schema && !route.schema.operationId) route.schema = { ...route.schema, operationId: id };
  });

  // Callback-style hooks: they run on every request, including the hot verdict poll.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  // Auth runs in each route's onRequest (before any body is read); these guard parsing and unstorable text.
  registerBodyGuards(app);
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const seconds = reply.elapsedTime / 1000;
    request.log.info({ method: request.method, url: redactUrl(request.url, deps.secrets), remoteAddress: request.ip, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpSeconds.observe(seconds, { method: request.method, route });
    done();
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new AppError('BUSY', `rate limit exceeded: at most ${context.max} requests per ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'aftershock',
        version: API_VERSION,
        description: 'Post-upgrade telemetry analyses: tail latency, retries and backoff before vs after an upgrade.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'read or write token' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { deps });
  await app.register(landingRoutes, { deps });
  await app.register(analysisRoutes, { deps });
  await app.register(verdictRoutes, { deps });
  await app.register(chartRoutes, { deps });
  await app.register(actionRoutes, { deps });
  await app.register(gateRoutes, { deps });
  await app.register(notificationRoutes, { deps });
  await app.register(upgradeRoutes, { deps });
  return app;
}
