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
import { registerErrorHandler, replyWithError } from './error-handler.ts';
import actionRoutes from './routes/actions.ts';
import analysisRoutes from './routes/analyses.ts';
import chartRoutes from './routes/charts.ts';
import healthRoutes from './routes/health.ts';
import landingRoutes from './routes/landing.ts';
import upgradeRoutes from './routes/upgrades.ts';
import verdictRoutes from './routes/verdict.ts';

export const API_VERSION = '1.0.0';
const REQUEST_ID = /^[\w.:-]{1,100}$/;
const MAX_PARAM_LENGTH = 500;
/** Query parameters whose values must not reach the log: a client that puts its token in the URL by mistake. */
const SECRET_PARAM = /token|secret|key|password|auth/i;

/** The URL for the log, with the values of secret-looking query parameters replaced (tokens never reach logs). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // a malformed escape: judge the raw name
    }
    return eq >= 0 && SECRET_PARAM.test(decoded) ? `${name}=[redacted]` : pair;
  });
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

/**
 * Path of the first string in `value` holding U+0000, e.g. "body.services.1". PostgreSQL text and jsonb cannot
 * hold it, so such input would otherwise fail deep in the store as a 500 instead of a 400 naming the field.
 */
export function findNul(value: unknown, where: string): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? where : null;
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const found = findNul(v, `${where}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

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
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
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
  app.addHook('preValidation', (request, _reply, done) => {
    const where = findNul(request.params, 'params') ?? findNul(request.query, 'querystring') ?? findNul(request.body, 'body');
    done(where ? new AppError('BAD_INPUT', `invalid request: ${where} contains a NUL character (U+0000)`) : undefined);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const seconds = reply.elapsedTime / 1000;
    request.log.info({ method: request.method, url: redactUrl(request.url), remoteAddress: request.ip, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
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
  await app.register(upgradeRoutes, { deps });
  return app;
}
