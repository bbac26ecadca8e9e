/**
 * The chart routes (src/http/routes/charts.ts) through inject() on the real service: in-memory PGlite, real
 * worker threads running the scripted runner (test/worker/fixtures), bearer tokens configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, waitFinished, type TestService } from '../http/test-service.ts';

const upgradeAt = '2026-11-20T14:00:00Z';

describe('chart routes', () => {
  let s: TestService;
  let doneId: string;
  const get = (url: string, token: string | null = READ_TOKEN) => s.app.inject({ url, headers: token ? auth(token) : {} });
  const submit = async (source: string) => {
    const res = await s.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload: { source, upgradeAt } });
    expect(res.statusCode).toBe(202);
    return res.json().id as string;
  };

  beforeAll(async () => {
    s = await startTestService();
    doneId = await submit('ok:fail');
    expect((await waitFinished(s, doneId)).status).toBe('done');
  });
  afterAll(async () => s?.close());

  it('serves the report page as self-contained HTML under a strict content security policy', async () => {
    const res = await get(`/v1/analyses/${doneId}/report.html`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toMatch(/^<!doctype html>/);
    expect(res.body).toMatch(/<p class="verdict verdict-fail" id="verdict">Fail: /);
    expect(res.body).toContain(`<a href="/v1/analyses/${doneId}">Report as JSON</a>`);
    expect(res.body).toContain(`href="/v1/analyses/${doneId}/charts/latency-distribution--shop--checkout.png"`);
  });

  it('needs the read scope', async () => {
    expect((await get(`/v1/analyses/${doneId}/report.html`, null)).statusCode).toBe(401);
    expect((await get(`/v1/analyses/${doneId}/charts`, null)).statusCode).toBe(401);
    expect((await get(`/v1/analyses/${doneId}/charts/latency-change-overview.svg`, 'wrong-token-0000000000')).statusCode).toBe(401);
  });

  it('lists the charts with links, and serves each as SVG, PNG and Vega-Lite', async () => {
    const res = await get(`/v1/analyses/${doneId}/charts`);
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ name: string; title: string; links: Record<string, string> }>;
    expect(items.length).toBeGreaterThan(2);
    const first = items[0];
    expect(first.links).toEqual({
      svg: `/v1/analyses/${doneId}/charts/${first.name}.svg`,
      png: `/v1/analyses/${doneId}/charts/${first.name}.png`,
      vegaLite: `/v1/analyses/${doneId}/charts/${first.name}.vl.json`,
    });
    const svg = await get(first.links.svg);
    expect(svg.statusCode).toBe(200);
    expect(svg.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
    expect(svg.body).toMatch(/^<svg role="img" aria-labelledby=/);
    expect(svg.body).toContain(`<title id="${first.name}-title">${first.title.replace(/&/g, '&amp;')}</title>`);
    const png = await get(`${first.links.png}?scale=1`);
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.readUInt32BE(16)).toBe(Number(/width="(\d+)"/.exec(svg.body)![1]));
    const vl = await get(first.links.vegaLite);
    expect(vl.statusCode).toBe(200);
    expect(vl.json().$schema).toBe('https://vega.github.io/schema/vega-lite/v6.json');
  });

  it('answers 404 for an unknown analysis, chart or file type, naming what exists', async () => {
    for (const url of ['/v1/analyses/no-such-id/report.html', '/v1/analyses/no-such-id/charts', '/v1/analyses/no-such-id/charts/latency-change-overview.svg']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().message).toBe('analysis no-such-id does not exist');
    }
    const chart = await get(`/v1/analyses/${doneId}/charts/no-such-chart.svg`);
    expect(chart.statusCode).toBe(404);
    expect(chart.json().message).toBe(`analysis ${doneId} has no chart "no-such-chart"; GET /v1/analyses/${doneId}/charts lists them`);
    const gif = await get(`/v1/analyses/${doneId}/charts/latency-change-overview.gif`);
    expect(gif.statusCode).toBe(404);
    expect(gif.json().message).toMatch(/use <name>\.svg, <name>\.png or <name>\.vl\.json/);
  });

  it('rejects a PNG scale outside 0.5…4', async () => {
    const res = await get(`/v1/analyses/${doneId}/charts/latency-change-overview.png?scale=10`);
    expect(res.statusCode).toBe(400);
  });

  it('answers 409 with the reason while an analysis is running or after it failed', async () => {
    const running = await submit('sleep:1500');
    const res = await get(`/v1/analyses/${running}/report.html`);
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(new RegExp(`^analysis ${running} has no report yet: it is (queued|running) \\(\\d+ %\\)$`));
    const failed = await submit('fail');
    await waitFinished(s, failed);
    const f = await get(`/v1/analyses/${failed}/charts`);
    expect(f.statusCode).toBe(409);
    expect(f.json().message).toBe(`analysis ${failed} has no report yet: it is failed: scripted upstream failure`);
  });

  it('keeps answering while charts render: drawing runs in the render worker, not on the event loop', async () => {
    // A PNG is drawn on every request (report.html is drawn once and then served from the store, issue 12), so
    // these requests really render while the health check waits.
    const page = `/v1/analyses/${doneId}/charts/latency-distribution--shop--checkout.png`;
    expect((await get(page)).statusCode).toBe(200); // the render worker is up
    const finished: string[] = [];
    const renders = Array.from({ length: 4 }, async (_, i) => {
      const res = await get(page);
      expect(res.statusCode).toBe(200);
      finished.push(`render ${i}`);
    });
    // A timer: it can fire only when the event loop is free between the renders' own steps.
    await new Promise((resolve) => setTimeout(resolve, 1));
    expect((await get('/healthz', null)).statusCode).toBe(200);
    finished.push('health');
    await Promise.all(renders);
    expect(finished[0]).toBe('health');
  });

  it('documents the chart routes in the OpenAPI document', async () => {
    const doc = (await get('/openapi.json')).json();
    for (const p of ['/v1/analyses/{id}/report.html', '/v1/analyses/{id}/charts', '/v1/analyses/{id}/charts/{file}']) expect(Object.keys(doc.paths)).toContain(p);
  });
});
