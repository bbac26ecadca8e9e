/**
 * GET /healthz (the process answers), GET /readyz (store and configured sources reachable, see
 * runtime/readiness.ts) and GET /metrics
 * (Prometheus text). Health routes are open: they reveal nothing but up/down; /metrics needs the read scope.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '../../vendor/typebox.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody, nonJsonResponse } from '../schemas.ts';

const Check = Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()) });
const ReadyResponse = Type.Object({ ready: Type.Boolean(), checks: Type.Record(Type.String(), Check) });

const healthRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Type.Object({ ok: Type.Literal(true) }) } } },
    async () => ({ ok: true as const }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The store and every configured source are reachable',
        response: { 200: ReadyResponse, 503: ReadyResponse },
      },
    },
    async (_request, reply) => {
      const checks = await deps.readiness();
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({ ready, checks });
    },
  );

  app.get(
    '/metrics',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text format 0.0.4)',
        security: [{ bearer: [] }],
        response: { 200: nonJsonResponse('Prometheus text format', ['text/plain']), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (_request, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(deps.metrics.registry.render()),
  );
};

export default healthRoutes;
