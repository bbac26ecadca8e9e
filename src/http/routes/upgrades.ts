/**
 * Upgrades (issue 15). Writes need the `write` scope; the rollback is a dry run unless the body says
 * `"dryRun": false`.
 *   POST /v1/upgrades                 register one (name, time, services, flags, expectations, changes)
 *   GET  /v1/upgrades                 newest first, with the status in plain words
 *   GET  /v1/upgrades/:id             one, with its analyses, expectations, actions, decisions and rollback plan
 *   GET  /v1/upgrades/:id/status.md   the short status text (Markdown), …/status.txt (plain text)
 *   POST /v1/upgrades/:id/rollback    revert what aftershock changed for it, newest first, all or nothing
 *   GET  /upgrades/:id                the page for product owners (self-contained HTML, no script)
 * `:id` is the upgrade's id or its name.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '../../vendor/typebox.ts';
import { renderUpgradePage, upgradeCharts, type DrawnChart } from '../../report/upgrade-page.ts';
import { upgradeStatus } from '../../report/upgrade-status.ts';
import type { UpgradeView } from '../../report/upgrade-view.ts';
import type { UpgradeRecord } from '../../store/upgrade-store.ts';
import type { AppDeps } from '../app-deps.ts';
import { RenderClient } from '../render-client.ts';
import { ErrorBody, nonJsonResponse } from '../schemas.ts';
import { CreatedUpgrade, RollbackBody, RollbackResponse, UpgradeBody, UpgradeDetail, UpgradeListQuery, UpgradePageSchema, UpgradeParams } from '../upgrade-schemas.ts';
import { strictActionBody } from './actions.ts';

/** Like the report page: only our own inline SVG and CSS. */
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
const DEFAULT_LIST = 20;

export function upgradeLinks(u: Pick<UpgradeRecord, 'id'>) {
  const self = `/v1/upgrades/${encodeURIComponent(u.id)}`;
  return { self, page: `/upgrades/${encodeURIComponent(u.id)}`, statusMarkdown: `${self}/status.md`, statusText: `${self}/status.txt`, rollback: `${self}/rollback` };
}

function detail(view: UpgradeView, upgrade: UpgradeRecord) {
  const latest = view.latest;
  return {
    upgrade,
    status: upgradeStatus(view),
    onset: view.onset,
    analyses: view.analyses.map((a) => ({ ...a, links: { self: `/v1/analyses/${encodeURIComponent(a.id)}`, html: `/v1/analyses/${encodeURIComponent(a.id)}/report.html` } })),
    latest: latest && {
      analysisId: latest.analysisId,
      createdAt: latest.createdAt,
      verdict: latest.report.verdict,
      summary: latest.report.summary,
      expectations: latest.report.findings.filter((f) => f.kind === 'expectation'),
      links: { self: `/v1/analyses/${encodeURIComponent(latest.analysisId)}`, html: `/v1/analyses/${encodeURIComponent(latest.analysisId)}/report.html` },
    },
    actions: view.actions,
    decisions: view.decisions,
    plan: view.plan,
    links: upgradeLinks(upgrade),
  };
}

const upgradeRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { upgrades } = deps;
  const { server } = deps.settings;
  const tags = ['upgrades'];
  const security = [{ bearer: [] }];
  const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };
  const writeLimits = {
    bodyLimit: server.writeBodyLimitBytes,
    config: { rateLimit: { max: server.writeRateLimit.max, timeWindow: server.writeRateLimit.timeWindowMs } },
  };
  // Drawn lazily in its own render worker, so the hot routes never wait on Vega.
  const renderer = new RenderClient();
  app.addHook('onClose', async () => renderer.close());

  app.post(
    '/v1/upgrades',
    {
      ...writeLimits,
      onRequest: deps.requireWrite,
      schema: {
        tags, security, summary: 'Register an upgrade (201; 200 when the same one is registered already)',
        description: 'Safe to repeat: the same name with the same time, services and source answers 200 with the upgrade registered before; another definition under a taken name is 409. Its analyses (`upgradeId` in POST /v1/analyses, guard targets naming it) are checked against its expectations; actions made for it (`upgradeId`) are linked and form its rollback plan.',
        body: UpgradeBody,
        response: { 200: CreatedUpgrade, 201: CreatedUpgrade, ...errors, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { upgrade, created } = await upgrades.register(request.body, { actor: deps.principal(request), remote: true });
      if (created) request.log.info({ upgradeId: upgrade.id, principal: deps.principal(request) }, 'upgrade registered');
      const links = upgradeLinks(upgrade);
      return reply.code(created ? 201 : 200).header('location', links.self).send({ upgrade, links });
    },
  );

  app.get(
    '/v1/upgrades',
    { onRequest: deps.requireRead, schema: { tags, security, summary: 'Upgrades, newest first, with their status in plain words', querystring: UpgradeListQuery, response: { 200: UpgradePageSchema, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody } } },
    async (request) => {
      const page = await upgrades.listWithStatus({ limit: request.query.limit ?? DEFAULT_LIST, cursor: request.query.cursor });
      return { items: page.items.map((s) => ({ ...s, links: upgradeLinks(s.upgrade) })), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/v1/upgrades/:id',
    { onRequest: deps.requireRead, schema: { tags, security, summary: 'One upgrade with its analyses, expectations, actions, guard decisions and rollback plan', params: UpgradeParams, response: { 200: UpgradeDetail, ...errors } } },
    async (request) => {
      const upgrade = await upgrades.get(request.params.id);
      return detail(await upgrades.view(upgrade), upgrade);
    },
  );

  for (const [ext, format, type] of [['md', 'markdown', 'text/markdown'], ['txt', 'plain', 'text/plain']] as const) {
    app.get(
      `/v1/upgrades/:id/status.${ext}`,
      {
        onRequest: deps.requireRead,
        schema: { tags, security, summary: `The short status of an upgrade as ${format === 'markdown' ? 'Markdown' : 'plain text'}, for a status page or a chat channel`, params: UpgradeParams, response: { 200: nonJsonResponse(format, [type]), ...errors } },
      },
      async (request, reply) => {
        const upgrade = await upgrades.get(request.params.id);
        const text = await upgrades.statusText(upgrade.id, format, upgradeLinks(upgrade).page);
        return reply.type(`${type}; charset=utf-8`).send(text);
      },
    );
  }

  app.post(
    '/v1/upgrades/:id/rollback',
    {
      ...writeLimits,
      preValidation: strictActionBody,
      onRequest: deps.requireWrite,
      schema: {
        tags, security,
        summary: 'Revert what aftershock changed for an upgrade, newest first, all or nothing (dry run by default)',
        description: 'Returns the plan with the checklist for the steps only a person can do. 409 when the flag changed since the last action (the plan says what changed).',
        params: UpgradeParams,
        // Like the revert route: an absent body counts as {} (strictActionBody sets it), i.e. a dry run.
        body: Type.Optional(RollbackBody),
        response: { 200: RollbackResponse, ...errors, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 502: ErrorBody, 504: ErrorBody },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      return upgrades.rollback(request.params.id, { actor: deps.principal(request), reason: b.reason ?? '', dryRun: b.dryRun });
    },
  );

  app.get(
    '/upgrades/:id',
    {
      onRequest: deps.requireRead,
      schema: { tags, security, summary: 'The upgrade page: status in plain words, verdict over time, timeline, expectations, decisions, actions, cleanup', params: UpgradeParams, response: { 200: nonJsonResponse('HTML', ['text/html']), ...errors } },
    },
    async (request, reply) => {
      const upgrade = await upgrades.get(request.params.id);
      const view = await upgrades.view(upgrade);
      const charts: DrawnChart[] = await Promise.all(
        upgradeCharts(view).map(async (c) => ({
          name: c.name,
          title: c.title,
          description: c.description,
          svg: await renderer
            .svg({ spec: c.spec, title: c.title, description: c.description, idPrefix: c.name }, (message) => request.log.warn({ upgrade: upgrade.id, chart: c.name, message }, 'chart warning'))
            .catch((e: unknown) => {
              request.log.warn({ upgrade: upgrade.id, chart: c.name, err: { message: (e as Error).message } }, 'chart failed');
              return null;
            }),
        })),
      );
      const links = upgradeLinks(upgrade);
      const html = renderUpgradePage(view, { charts, jsonHref: links.self, statusHref: { markdown: links.statusMarkdown, plain: links.statusText } });
      return reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(html);
    },
  );
};

export default upgradeRoutes;
