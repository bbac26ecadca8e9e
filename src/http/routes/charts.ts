/**
 * Charts of one analysis over HTTP: the self-contained HTML report page, the list of chart names, and each
 * chart as SVG, PNG or Vega-Lite JSON. Read scope. 404 for an unknown analysis or chart, 409 while the
 * analysis has no report yet (queued, running, failed). The landing page `/` lives in ./landing.ts.
 * Drawing (Vega, resvg) happens in a render worker thread (../render-client.ts) so that verdict polls stay
 * fast while report pages and PNGs render.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '../../vendor/typebox.ts';
import type { AnalysisResult } from '../../analysis/types.ts';
import { buildCharts, type ChartEntry } from '../../charts/chart-catalog.ts';
import { AppError } from '../../errors.ts';
import type { AppDeps } from '../app-deps.ts';
import { RenderClient } from '../render-client.ts';
import { ErrorBody, nonJsonResponse, IdParams } from '../schemas.ts';

export const CHART_FORMATS = ['svg', 'png', 'vl.json'] as const;
export type ChartFormat = (typeof CHART_FORMATS)[number];
const FILE_PATTERN = /^([a-z0-9-]+)\.(svg|png|vl\.json)$/;

/**
 * The page draws only our own inline SVG and CSS: forbid everything else, so a hostile endpoint name in
 * the telemetry could not load or run anything even if escaping ever failed.
 */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

export function chartLinks(id: string, name: string): Record<'svg' | 'png' | 'vegaLite', string> {
  const base = `/v1/analyses/${encodeURIComponent(id)}/charts/${name}`;
  return { svg: `${base}.svg`, png: `${base}.png`, vegaLite: `${base}.vl.json` };
}

const ChartFileParams = Type.Object({ id: IdParams.properties.id, file: Type.String({ minLength: 1, maxLength: 300 }) });
const PngQuery = Type.Object(
  { scale: Type.Optional(Type.Number({ minimum: 0.5, maximum: 4, description: 'PNG zoom factor (default 2)' })) },
  { additionalProperties: false },
);
const ChartListResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.String(),
      title: Type.String(),
      description: Type.String(),
      regressed: Type.Boolean(),
      subject: Type.Optional(Type.Object({ type: Type.String(), service: Type.String(), name: Type.String(), label: Type.String() })),
      links: Type.Object({ svg: Type.String(), png: Type.String(), vegaLite: Type.String() }),
    }),
  ),
});

const chartRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
  const renderer = new RenderClient();
  app.addHook('onClose', async () => renderer.close());

  async function loadResult(id: string): Promise<AnalysisResult> {
    const record = await deps.store.get(id);
    if (!record) throw new AppError('NOT_FOUND', `analysis ${id} does not exist`);
    if (record.status !== 'done' || !record.report) {
      const why = record.status === 'failed' ? `failed: ${record.error ?? 'unknown error'}` : `${record.status} (${Math.round(record.progress * 100)} %)`;
      throw new AppError('CONFLICT', `analysis ${record.id} has no report yet: it is ${why}`);
    }
    return { report: record.report, series: record.series ?? { latency: [], upstreams: [] } };
  }

  app.get(
    '/v1/analyses/:id/report.html',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['charts'],
        summary: 'The report as one self-contained HTML page (inline SVG charts, no script)',
        description: '409 while the analysis is queued or running or when it failed.',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: nonJsonResponse('HTML', ['text/html']), ...errors },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      // Drawn once per finished analysis, then served from the store (runtime/report-page-cache.ts).
      const html = await deps.reportPages.page(id, async () =>
        renderer.html(
          { result: await loadResult(id), jsonHref: `/v1/analyses/${encodeURIComponent(id)}`, chartBase: `/v1/analyses/${encodeURIComponent(id)}/charts` },
          (message) => request.log.warn({ analysis: id, message }, 'chart warning'),
        ),
      );
      return reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP).send(html);
    },
  );

  app.get(
    '/v1/analyses/:id/charts',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['charts'],
        summary: 'Names, titles and links of every chart of an analysis',
        security: [{ bearer: [] }],
        params: IdParams,
        response: { 200: ChartListResponse, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      const charts = buildCharts(await loadResult(id));
      return {
        items: charts.map((c) => ({
          name: c.name, kind: c.kind, title: c.title, description: c.description, regressed: c.regressed,
          ...(c.subject ? { subject: c.subject } : {}), links: chartLinks(id, c.name),
        })),
      };
    },
  );

  app.get(
    '/v1/analyses/:id/charts/:file',
    {
      onRequest: deps.requireRead,
      schema: {
        tags: ['charts'],
        summary: 'One chart as SVG, PNG or Vega-Lite JSON: `<name>.svg`, `<name>.png`, `<name>.vl.json`',
        description: 'Chart names come from `GET /v1/analyses/{id}/charts`. PNG text is drawn with DejaVu Sans.',
        security: [{ bearer: [] }],
        params: ChartFileParams,
        querystring: PngQuery,
        response: { 200: nonJsonResponse('The chart', ['image/svg+xml', 'image/png', 'application/json']), ...errors },
      },
    },
    async (request, reply) => {
      const { id, file } = request.params;
      const m = FILE_PATTERN.exec(file);
      if (!m) throw new AppError('NOT_FOUND', `no chart file "${file}": use <name>.svg, <name>.png or <name>.vl.json with a name from /v1/analyses/${id}/charts`);
      const [, name, format] = m as unknown as [string, string, ChartFormat];
      const chart: ChartEntry | undefined = buildCharts(await loadResult(id)).find((c) => c.name === name);
      if (!chart) throw new AppError('NOT_FOUND', `analysis ${id} has no chart "${name}"; GET /v1/analyses/${id}/charts lists them`);
      if (format === 'vl.json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(chart.spec));
      const onWarning = (message: string) => request.log.warn({ analysis: id, chart: name, message }, 'chart warning');
      const drawing = { spec: chart.spec, title: chart.title, description: chart.description, idPrefix: name };
      if (format === 'svg') return reply.type('image/svg+xml; charset=utf-8').send(await renderer.svg(drawing, onWarning));
      const png = await renderer.png({ ...drawing, scale: request.query.scale }, onWarning);
      return reply.type('image/png').send(png);
    },
  );
};

export default chartRoutes;
