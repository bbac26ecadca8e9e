/**
 * Builds the Fastify app as a plugin tree from ready-made dependencies (no listening, no signals), so tests
 * drive it with inject() and server.ts only adds the network around it.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { AppError } from '../errors.ts';
import type { AppDeps } from './app-deps.ts';
import { registerErrorHandler } from './error-handler.ts';
import actionRoutes from './routes/actions.ts';
import analysisRoutes from './routes/analyses.ts';
import chartRoutes from './routes/charts.ts';
import healthRoutes from './routes/health.ts';
import landingRoutes from './routes/landing.ts';
import verdictRoutes from './routes/verdict.ts';

export const API_VERSION = '1.0.0';
const REQUEST_ID = /^[\w.:-]{1,100}$/;

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
    // One log line per request (written in onResponse) instead of Fastify's two: the verdict poll is hot.
    logController: new LogController({ disableRequestLogging: true }),
    // No 'array' coercion: a string where the body needs a list is an error, not a one-element list.
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false } },
  });

  registerErrorHandler(app);

  // Callback-style hooks: they run on every request, including the hot verdict poll.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? '(unmatched)';
    const seconds = reply.elapsedTime / 1000;
    request.log.info({ method: request.method, url: request.url, remoteAddress: request.ip, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
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
  return app;
}
