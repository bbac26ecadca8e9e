/** GET /v1/verdict?service=…: the SLA-guard poll, answered from the cache/store, never recomputed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody, VerdictQuery, VerdictResponse } from '../schemas.ts';

const verdictRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/v1/verdict',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['verdict'],
        summary: "A service's own latest verdict and regressions",
        description:
          'From the newest finished analysis covering the service (by upgrade time, then creation): the verdict of this ' +
          "service's findings alone (the report's rule; other services of the analysis do not count; warn when the analysis " +
          'has no findings for it), its regressions, and `analysisId`/`analysisVerdict` of the analysis it came from. ' +
          'Served from memory for server.verdictCacheMs; never starts an analysis.',
        security: [{ bearer: [] }],
        querystring: VerdictQuery,
        response: { 200: VerdictResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const json = await deps.analyses.verdictJson(request.query.service);
      if (json === null) throw new AppError('NOT_FOUND', `no finished analysis covers service "${request.query.service}"`);
      // Serialized once per cache period (a string payload skips the per-request serializer); same shape as VerdictResponse.
      // The typed reply expects the object; the text is that object already serialized.
      return reply.type('application/json; charset=utf-8').send(json as unknown as Static<typeof VerdictResponse>);
    },
  );
};

export default verdictRoutes;
