/**
 * GET /v1/analyses/:id/report.html on the real service (embedded PGlite, real demo analysis): the first request
 * draws the page in the render worker and stores it, every later one is served from the store (issue 12: repeat
 * request < 50 ms). Reference in the same run: a bare Fastify route sending the same bytes from memory (the floor
 * for this response size). Prints the first request, repeat p50/p99/max, the draw count and the service's RSS.
 * Run: `npm run bench -- report-page`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { pino } from 'pino';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/http/service.ts';
import { startServer } from '../src/http/server.ts';
import { loadAverageLine } from './load-average.ts';

export const DEFAULT_REPEATS = 40;
/** Issue 12: a repeat request of a stored page answers within this many ms. */
export const TARGET_REPEAT_MS = 50;
const TOKEN = 'bench-token';
const headers = { authorization: `Bearer ${TOKEN}` };

async function timedGet(url: string, withAuth = true): Promise<{ ms: number; body: string; status: number }> {
  const t0 = performance.now();
  const res = await fetch(url, withAuth ? { headers } : {});
  const body = await res.text();
  return { ms: performance.now() - t0, body, status: res.status };
}

async function finishedAnalysis(base: string): Promise<string> {
  const until = Date.now() + 180_000;
  while (Date.now() < until) {
    const res = await fetch(`${base}/v1/analyses?status=done&limit=1`, { headers });
    const page = (await res.json()) as { items?: { id: string }[] };
    if (page.items?.[0]) return page.items[0].id;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the demo analysis did not finish within 180 s');
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

export async function run(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-bench-page-'));
  const server = await startServer({
    config: loadConfig(),
    env: { PORT: '0', AFTERSHOCK_DATA_DIR: dir, AFTERSHOCK_READ_TOKENS: TOKEN, AFTERSHOCK_WRITE_TOKENS: TOKEN, DATABASE_URL: process.env.DATABASE_URL ?? '' },
    logger: createLogger('info', pino.destination({ dest: '/dev/null', sync: false })),
    adjust: (s) => {
      s.server.demoOnFirstStart = true;
    },
  });
  const bare = Fastify({ logger: false });
  let sameBody = '';
  bare.get('/bare-same-body', async (_req, reply) => reply.type('text/html; charset=utf-8').send(sameBody));
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });
  try {
    const id = await finishedAnalysis(server.url);
    const url = `${server.url}/v1/analyses/${id}/report.html`;
    const cache = server.service.deps.reportPages;
    const drawsBefore = cache.draws;
    const first = await timedGet(url);
    if (first.status !== 200) throw new Error(`report.html answered ${first.status}: ${first.body.slice(0, 200)}`);
    sameBody = first.body;
    const repeats: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < DEFAULT_REPEATS; i++) {
      const r = await timedGet(url);
      if (r.body !== first.body) throw new Error('a repeat request answered a different page');
      repeats.push(r.ms);
      floor.push((await timedGet(`${bareUrl}/bare-same-body`, false)).ms);
    }
    repeats.sort((a, b) => a - b);
    floor.sort((a, b) => a - b);
    const p50 = quantile(repeats, 0.5);
    const p99 = quantile(repeats, 0.99);
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    console.log(`report page of analysis ${id}: ${(first.body.length / 1024).toFixed(0)} kB; store: ${server.service.storeDescription}; ${loadAverageLine()}`);
    console.log(`${'request'.padEnd(34)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}`);
    console.log(`${'first (draws and stores)'.padEnd(34)} ${first.ms.toFixed(1).padStart(8)}`);
    console.log(`${`repeat ×${DEFAULT_REPEATS} (from the store)`.padEnd(34)} ${p50.toFixed(1).padStart(8)} ${p99.toFixed(1).padStart(8)} ${repeats.at(-1)!.toFixed(1).padStart(8)}`);
    console.log(`${'bare route, same bytes (floor)'.padEnd(34)} ${quantile(floor, 0.5).toFixed(1).padStart(8)} ${quantile(floor, 0.99).toFixed(1).padStart(8)} ${floor.at(-1)!.toFixed(1).padStart(8)}`);
    console.log(`pages drawn: ${cache.draws - drawsBefore} for ${DEFAULT_REPEATS + 1} requests; first / repeat p50 = ${(first.ms / p50).toFixed(0)}×; repeat p50 / floor p50 = ${(p50 / quantile(floor, 0.5)).toFixed(1)}×; process RSS ${rssMb.toFixed(0)} MB`);
    // Judged on the median: with a few dozen requests the p99 is the single slowest one, which on a shared machine
    // is whatever else ran at that moment (the bare floor's own p99 shows how much of that there was).
    const slow = repeats.filter((ms) => ms >= TARGET_REPEAT_MS).length;
    console.log(
      `target repeat p50 ${p50.toFixed(1)} ms < ${TARGET_REPEAT_MS} ms → ${p50 < TARGET_REPEAT_MS ? 'pass' : 'FAIL'}; ` +
        `${slow} of ${DEFAULT_REPEATS} repeats ≥ ${TARGET_REPEAT_MS} ms (floor p99 ${quantile(floor, 0.99).toFixed(1)} ms); ${loadAverageLine()}`,
    );
  } finally {
    await bare.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run();
}
