/**
 * GET /: a plain HTML page listing upgrades first (status in plain words, age, services, a link to each
 * upgrade's page), then recent analyses with links to their reports, the guard's analyses marked, so a
 * newcomer who opens the printed URL sees something useful. The report pages come from ./charts.ts, the
 * upgrade pages from ./upgrades.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { formatAge, utcMinute } from '../../report/upgrade-status.ts';
import type { UpgradeSummary } from '../../runtime/upgrade-service.ts';
import type { AnalysisSummary } from '../../store/report-store.ts';
import type { AppDeps } from '../app-deps.ts';
import { analysisLinks } from './analyses.ts';
import { upgradeLinks } from './upgrades.ts';

export const LANDING_PAGE_SIZE = 25;
export const LANDING_UPGRADES = 10;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "2026-11-20 14:00 UTC" in a <time> element: minutes, no milliseconds, never wrapped. */
const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(utcMinute(iso))}</time>`;

function row(a: AnalysisSummary, upgradeNames: Map<string, string>): string {
  const links = analysisLinks(a.id);
  const state =
    a.status === 'done'
      ? `<strong class="${a.verdict}">${escapeHtml(a.verdict ?? '')}</strong> ${escapeHtml(a.summary ?? '')}`
      : a.status === 'failed'
        ? `failed: ${escapeHtml(a.error ?? '')}`
        : `${a.status} (${Math.round(a.progress * 100)} %)`;
  const reports =
    a.status === 'done'
      ? `<a href="${links.html}">report</a> · <a href="${links.markdown}">markdown</a> · <a href="${links.self}">json</a>`
      : `<a href="${links.self}">json</a>`;
  const byGuard = (a.owner ?? '').startsWith('guard:') ? ' <span class="tag" title="made by the SLA guard">guard</span>' : '';
  const upgradeId = a.request.upgradeId;
  const upgrade = upgradeId ? ` <a class="tag" href="/upgrades/${encodeURIComponent(upgradeId)}">${escapeHtml(upgradeNames.get(upgradeId) ?? 'upgrade')}</a>` : '';
  return `<tr><td class="when">${time(a.createdAt)}${byGuard}</td><td>${escapeHtml(a.request.source)}${upgrade}</td><td class="when">${time(a.request.upgradeAt)}</td><td>${escapeHtml(a.services.join(', '))}</td><td>${state}</td><td class="links">${reports}</td></tr>`;
}

function upgradeRow(s: UpgradeSummary, nowMs: number): string {
  const u = s.upgrade;
  const links = upgradeLinks(u);
  const age = formatAge(nowMs - Date.parse(u.upgradeAt));
  const guard = s.byGuard > 0 ? ` <span class="tag">guard: ${s.byGuard}</span>` : '';
  return `<tr><th scope="row"><a href="${links.page}">${escapeHtml(u.name)}</a></th><td class="state-${s.status.state}">${escapeHtml(s.status.sentence)}</td>` +
    `<td class="when">${time(u.upgradeAt)} <span class="age">(${escapeHtml(age)} ago)</span></td><td>${escapeHtml(u.services.join(', ') || 'all')}</td><td>${s.analyses}${guard}</td></tr>`;
}

export function landingPage(items: AnalysisSummary[], upgrades: UpgradeSummary[] = [], nowMs = Date.now()): string {
  const names = new Map(upgrades.map((s) => [s.upgrade.id, s.upgrade.name]));
  const upgradeTable = upgrades.length
    ? `<table class="upgrades"><caption>Upgrades, newest first</caption><thead><tr><th scope="col">upgrade</th><th scope="col">status</th><th scope="col">upgraded</th><th scope="col">services</th><th scope="col">analyses</th></tr></thead><tbody>${upgrades.map((s) => upgradeRow(s, nowMs)).join('')}</tbody></table>`
    : '<p>No upgrades registered yet. Register one with <code>POST /v1/upgrades</code> or <code>aftershock upgrade create</code>.</p>';
  const body = items.length
    ? `<table class="analyses"><caption>Analyses, newest first</caption><thead><tr><th scope="col">created</th><th scope="col">source</th><th scope="col">upgrade at</th><th scope="col">services</th><th scope="col">result</th><th scope="col"></th></tr></thead><tbody>${items.map((a) => row(a, names)).join('')}</tbody></table>`
    : '<p>No analyses yet. Start one with <code>POST /v1/analyses</code> (see the API docs).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aftershock</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem}table{border-collapse:collapse;width:100%;margin-bottom:2rem}caption{text-align:left;font-weight:bold;padding:.3rem 0}td,th{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}.when,.links,time{white-space:nowrap}.age{color:#555}.tag{font-size:.8rem;font-weight:bold;color:#333;background:#e8e8e8;border-radius:3px;padding:0 .3rem;text-decoration:none}.fail,.state-regressed{color:#b00}.warn,.state-watching{color:#a60}.pass,.state-healthy{color:#070}</style>
</head><body>
<h1>aftershock</h1>
<p>Upgrades and post-upgrade telemetry analyses. API: <a href="/docs">docs</a> · <a href="/openapi.json">openapi.json</a></p>
<h2>Upgrades</h2>
${upgradeTable}
<h2>Analyses</h2>
${body}
</body></html>
`;
}

const landingRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/',
    { onRequest: deps.requireRead, schema: { hide: true } },
    async (_request, reply) => {
      const [page, upgrades] = await Promise.all([deps.store.list({ limit: LANDING_PAGE_SIZE }), deps.upgrades.listWithStatus({ limit: LANDING_UPGRADES })]);
      return reply.type('text/html; charset=utf-8').send(landingPage(page.items, upgrades.items));
    },
  );
};

export default landingRoutes;
