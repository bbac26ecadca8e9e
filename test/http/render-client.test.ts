/**
 * The render client (src/http/render-client.ts) with its real worker thread: it draws exactly what the
 * in-process renderers draw, keeps their error codes and messages, and a stuck render is cut off by the
 * timeout without leaving the client unusable.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { TopLevelSpec } from 'vega-lite';
import { buildCharts } from '../../src/charts/chart-catalog.ts';
import { renderHtmlReport } from '../../src/report/html-report.ts';
import { renderSvg } from '../../src/charts/render.ts';
import { AppError } from '../../src/errors.ts';
import { RenderClient } from '../../src/http/render-client.ts';
import { regressionResult } from '../charts/fixtures.ts';

const result = regressionResult();
const chart = buildCharts(result)[0];
const drawing = { spec: chart.spec, title: chart.title, description: chart.description, idPrefix: chart.name };
const brokenSpec = { mark: 'point', encoding: { x: { field: 'a', type: 'quantitative' } }, data: { values: [{ a: 1 }] }, transform: [{ calculate: 'this is not an expression(', as: 'b' }] } as unknown as TopLevelSpec;

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('RenderClient', () => {
  const client = new RenderClient();
  afterAll(async () => client.close());

  it('draws the same SVG and report page as the in-process renderers', async () => {
    expect(await client.svg(drawing)).toBe(await renderSvg(chart.spec, drawing));
    const chartHref = (name: string, format: string) => `/v1/analyses/x/charts/${name}.${format}`;
    expect(await client.html({ result, jsonHref: '/v1/analyses/x', chartBase: '/v1/analyses/x/charts' }))
      .toBe(await renderHtmlReport(result, { jsonHref: '/v1/analyses/x', chartHref }));
  });

  it('returns PNG bytes at the requested scale', async () => {
    const svg = await client.svg(drawing);
    const png = await client.png({ ...drawing, scale: 1 });
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(Number(/width="(\d+)"/.exec(svg)![1]));
  });

  it('keeps the code and message of a failed render, and goes on serving afterwards', async () => {
    const inProcess = await rejection(renderSvg(brokenSpec));
    const viaWorker = await rejection(client.svg({ spec: brokenSpec }));
    expect(viaWorker.code).toBe('INTERNAL');
    expect(viaWorker.message).toBe(inProcess.message);
    expect(viaWorker.message).toMatch(/^chart rendering failed: /);
    expect(await client.svg(drawing)).toMatch(/^<svg /);
  });

  it('cuts a render off at the timeout and replaces the worker for the renders that wait', async () => {
    const hasty = new RenderClient({ timeoutMs: 1 });
    try {
      const [first, second] = await Promise.all([rejection(hasty.html({ result })), rejection(hasty.html({ result }))]);
      // The second render ran (and timed out) on a fresh worker: the first one was terminated.
      for (const e of [first, second]) {
        expect(e.code).toBe('TIMEOUT');
        expect(e.message).toBe('chart rendering timed out after 0 s');
      }
    } finally {
      await hasty.close();
    }
  });

  it('rejects waiting renders on close and answers BUSY afterwards', async () => {
    const closing = new RenderClient();
    const pending = rejection(closing.html({ result }));
    await closing.close();
    expect((await pending).message).toBe('interrupted: the service shut down');
    expect((await rejection(closing.svg(drawing))).code).toBe('BUSY');
  });

  it('answers BUSY when its queue is full', async () => {
    const small = new RenderClient({ queueLimit: 1 });
    try {
      await small.svg(drawing); // the worker is up: the next render runs at once, the one after it waits
      const first = small.svg(drawing);
      const second = small.svg(drawing);
      const third = await rejection(small.svg(drawing));
      expect(third.code).toBe('BUSY');
      expect(third.message).toBe('chart rendering queue is full (1 waiting); retry later');
      expect(await first).toMatch(/^<svg /);
      expect(await second).toMatch(/^<svg /);
    } finally {
      await small.close();
    }
  });
});
