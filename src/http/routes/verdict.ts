/** GET /v1/verdict?service=…: the SLA-guard poll, answered from the cache/store, never recomputed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from '../../vendor/typebox.ts';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { ErrorBody, VerdictQuery, VerdictResponse } from '../schemas.ts';

/** Services whose encoded verdict is kept; past it the table starts over (a poll re-encodes once). */
export const MAX_ENCODED_VERDICTS = 1000;

/**
 * The UTF-8 bytes of each service's latest verdict text. The runtime hands out the same string until a new analysis
 * finishes or the cache period ends, so one identity check replaces encoding the text and measuring its byte length
 * on every poll; a new text (a new analysis) is encoded once.
 */
export class EncodedVerdicts {
  private readonly byService = new Map<string, { json: string; body: Buffer }>();

  body(service: string, json: string): Buffer {
    const hit = this.byService.get(service);
    if (hit !== undefined && hit.json === json) return hit.body;
    if (this.byService.size >= MAX_ENCODED_VERDICTS) this.byService.clear();
    const body = Buffer.from(json, 'utf8');
    this.byService.set(service, { json, body });
    return body;
  }
}

const verdictRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const encoded = new EncodedVerdicts();
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
      const { service } = request.query;
      const json = await deps.analyses.verdictJson(service);
      if (json === null) throw new AppError('NOT_FOUND', `no finished analysis covers service "${service}"`);
      // Serialized once per cache period and encoded once per text (a Buffer payload skips the serializer and the
      // byte count); same shape as VerdictResponse. The typed reply expects the object; these are its JSON bytes.
      return reply.type('application/json; charset=utf-8').send(encoded.body(service, json) as unknown as Static<typeof VerdictResponse>);
    },
  );
};

export default verdictRoutes;
