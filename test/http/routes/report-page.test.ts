/**
 * GET /v1/analyses/:id/report.html draws a finished analysis's page once and serves the stored page afterwards
 * (issue 12): the second request draws nothing (the cache's draw counter and the store row say so), concurrent
 * first requests share one drawing, a page stored by other drawing code is drawn again, and an unfinished or
 * unknown analysis still answers 409/404 without storing anything. Speed is measured in bench/report-page.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, makeReport, makeSeries } from '../../store/report-fixtures.ts';
import { READ_TOKEN, auth, startTestService, type TestService } from '../test-service.ts';

const request = { source: 'ok:pass', upgradeAt: '2026-11-20T14:00:00Z', before: '2h', after: '2h' };

describe('GET /v1/analyses/:id/report.html: drawn once, then served from the store', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  async function finished(): Promise<string> {
    const record = await svc.deps.store.create({ request, owner: 'report-page-test' });
    await svc.deps.store.complete(record.id, { report: makeReport('fail', [finding('shop', '/checkout', 'regression')]), series: makeSeries('shop') });
    return record.id;
  }
  const page = (id: string) => svc.app.inject({ url: `/v1/analyses/${id}/report.html`, headers: auth(READ_TOKEN) });

  it('draws the page on the first request only and serves the same bytes and headers afterwards', async () => {
    const id = await finished();
    const cache = svc.deps.reportPages;
    const before = cache.draws;
    const first = await page(id);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.body).toContain('/checkout');
    expect(cache.draws).toBe(before + 1);
    expect(await svc.deps.store.renderedPage(id, cache.key)).toBe(first.body);

    const second = await page(id);
    expect(second.statusCode).toBe(200);
    expect(cache.draws).toBe(before + 1); // not drawn again
    expect(second.body).toBe(first.body);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
  });

  it('lets concurrent first requests share one drawing', async () => {
    const id = await finished();
    const before = svc.deps.reportPages.draws;
    const answers = await Promise.all([page(id), page(id), page(id)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((a) => a.body)).size).toBe(1);
    expect(svc.deps.reportPages.draws).toBe(before + 1);
  });

  it('draws again when the stored page came from other drawing code', async () => {
    const id = await finished();
    await svc.deps.store.saveRenderedPage(id, 'some-older-renderer', '<p>stale page</p>');
    const before = svc.deps.reportPages.draws;
    const res = await page(id);
    expect(res.body).not.toContain('stale page');
    expect(svc.deps.reportPages.draws).toBe(before + 1);
    expect(await svc.deps.store.renderedPage(id, 'some-older-renderer')).toBeNull();
  });

  it('stores nothing for an unfinished or unknown analysis and keeps answering 409 / 404', async () => {
    const record = await svc.deps.store.create({ request, owner: 'report-page-test' });
    const queued = await page(record.id);
    expect(queued.statusCode).toBe(409);
    await svc.deps.store.saveRenderedPage(record.id, svc.deps.reportPages.key, '<p>too early</p>');
    expect(await svc.deps.store.renderedPage(record.id, svc.deps.reportPages.key)).toBeNull();
    expect((await page(record.id)).statusCode).toBe(409);
    expect((await page('no-such-analysis')).statusCode).toBe(404);
  });
});
