/**
 * Analyses: create (write scope, rate- and size-limited), read one, list with cursor pagination, and the
 * Markdown report.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { renderMarkdown } from '../../report/markdown-report.ts';
import { parseTimestamp } from '../../duration.ts';
import { AppError } from '../../errors.ts';
import type { AnalysisRecord } from '../../store/report-store.ts';
import type { AppDeps } from '../app-deps.ts';
import { AnalysisRequestBody, AnalysisResponse, CreatedResponse, ErrorBody, nonJsonResponse, IdParams, ListQuerySchema, ListResponse } from '../schemas.ts';

export const DEFAULT_PAGE_SIZE = 20;

export function analysisLinks(id: string) {
  const self = `/v1/analyses/${encodeURIComponent(id)}`;
  return { self, markdown: `${self}/report.md`, html: `${self}/report.html` };
}

function view(record: AnalysisRecord) {
  const { series: _series, ...rest } = record;
  return { ...rest, links: analysisLinks(record.id) };
}

const analysisRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { server } = deps.settings;
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody };

  async function load(id: string): Promise<AnalysisRecord> {
    const record = await deps.store.get(id);
    if (!record) throw new AppError('NOT_FOUND', `analysis ${id} does not exist`);
    return record;
  }

  app.post(
    '/v1/analyses',
    {
      bodyLimit: server.writeBodyLimitBytes,
      config: { rateLimit: { max: server.writeRateLimit.max, timeWindow: server.writeRateLimit.timeWindowMs } },
      onRequest: deps.requireWrite,
      schema: {
        tags: ['analyses'],
        summary: 'Start an analysis in the background',
        description: 'Queues an analysis of the windows around `upgradeAt`; poll `links.self` for its status and report.',
        security: [{ bearer: [] }],
        body: AnalysisRequestBody,
        response: { 202: CreatedResponse, ...errors, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      // An upgrade named by id or name must exist; its expectations come along (issue 15).
      const record = await deps.analyses.submit(await deps.upgrades.attach(request.body));
      request.log.info({ analysisId: record.id, principal: deps.principal(request) }, 'analysis queued');
      const links = analysisLinks(record.id);
      return reply.code(202).header('location', links.self).send({ id: record.id, status: record.status, links: { self: links.self } });
    },
  );

  app.get(
    '/v1/analyses',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['analyses'],
        summary: 'List analyses, newest first',
        description: 'Cursor pagination: pass `nextCursor` as `cursor` for the next (older) page. `from`/`to` filter on the upgrade time.',
        security: [{ bearer: [] }],
        querystring: ListQuerySchema,
        response: { 200: ListResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      return deps.store.list({
        limit: q.limit ?? DEFAULT_PAGE_SIZE,
        cursor: q.cursor,
        service: q.service,
        verdict: q.verdict,
        status: q.status,
        upgradeFrom: q.from === undefined ? undefined : parseTimestamp(q.from, 'from'),
        upgradeTo: q.to === undefined ? undefined : parseTimestamp(q.to, 'to'),
      });
    },
  );

  app.get(
    '/v1/analyses/:id',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['analyses'],
        summary: 'Status, progress and (when done) the report of one analysis',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: AnalysisResponse, ...errors, 404: ErrorBody },
      },
    },
    async (request) => view(await load(request.params.id)),
  );

  app.get(
    '/v1/analyses/:id/report.md',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['analyses'],
        summary: 'The report as Markdown',
        description: '409 while the analysis is queued or running or when it failed.',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: nonJsonResponse('Markdown', ['text/markdown']), ...errors, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      const record = await load(request.params.id);
      if (record.status !== 'done' || !record.report) {
        const why = record.status === 'failed' ? `failed: ${record.error ?? 'unknown error'}` : `${record.status} (${Math.round(record.progress * 100)} %)`;
        throw new AppError('CONFLICT', `analysis ${record.id} has no report: it is ${why}`);
      }
      return reply.type('text/markdown; charset=utf-8').send(renderMarkdown(record.report));
    },
  );
};

export default analysisRoutes;
