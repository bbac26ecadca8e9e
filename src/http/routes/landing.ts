/**
 * GET /: a plain HTML page listing recent analyses with links to their reports, so a newcomer who opens the
 * printed URL sees something useful. The report pages themselves come from ./charts.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AnalysisSummary } from '../../store/report-store.ts';
import type { AppDeps } from '../app-deps.ts';
import { analysisLinks } from './analyses.ts';

export const LANDING_PAGE_SIZE = 25;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function row(a: AnalysisSummary): string {
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
  return `<tr><td>${escapeHtml(a.createdAt)}</td><td>${escapeHtml(a.request.source)}</td><td>${escapeHtml(a.request.upgradeAt)}</td><td>${escapeHtml(a.services.join(', '))}</td><td>${state}</td><td>${reports}</td></tr>`;
}

export function landingPage(items: AnalysisSummary[]): string {
  const body = items.length
    ? `<table><thead><tr><th>created</th><th>source</th><th>upgrade at</th><th>services</th><th>result</th><th></th></tr></thead><tbody>${items.map(row).join('')}</tbody></table>`
    : '<p>No analyses yet. Start one with <code>POST /v1/analyses</code> (see the API docs).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aftershock</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}td,th{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}.fail{color:#b00}.warn{color:#a60}.pass{color:#070}</style>
</head><body>
<h1>aftershock</h1>
<p>Post-upgrade telemetry analyses, newest first. API: <a href="/docs">docs</a> · <a href="/openapi.json">openapi.json</a></p>
${body}
</body></html>
`;
}

const landingRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/',
    { onRequest: deps.requireRead, schema: { hide: true } },
    async (_request, reply) => {
      const page = await deps.store.list({ limit: LANDING_PAGE_SIZE });
      return reply.type('text/html; charset=utf-8').send(landingPage(page.items));
    },
  );
};

export default landingRoutes;
