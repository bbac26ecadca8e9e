/**
 * Line-protocol files for the scale benchmarks (issue 12): the demo file with its lines shuffled across series
 * (as a real export interleaves them), and files with many distinct endpoints.
 *
 *   node --import tsx scripts/make-scale-lp.ts shuffle <in.lp> <out.lp> [--seed 7]
 *   node --import tsx scripts/make-scale-lp.ts series <out.lp> --endpoints 100000 [--lines-per-endpoint 12] [--seed 7]
 *
 * The many-series file puts the endpoints under 10 services, each endpoint with requests on both sides of the
 * demo upgrade time (2 h + 2 h windows), lines in random time order, so every series is live across the file.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { seededRandom } from '../src/stats/seeded-random.ts';
import { formatNs } from '../src/sources/demo/demo-telemetry.ts';
import { DEFAULT_DEMO_UPGRADE_AT } from './make-demo-lp.ts';

const H2 = 2 * 3_600_000;

/** Writes `lines` to `out` in order, honouring backpressure. */
async function writeLines(out: string, count: number, line: (i: number) => string): Promise<void> {
  const file = createWriteStream(out, { highWaterMark: 1 << 20 });
  let parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(line(i));
    if (parts.length === 10_000 || i === count - 1) {
      if (!file.write(parts.join(''))) await once(file, 'drain');
      parts = [];
    }
  }
  file.end();
  await finished(file);
}

/** In-place Fisher–Yates shuffle of `order` with a seeded generator. */
function shuffle(order: Uint32Array, seed: number): void {
  const r = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** The lines of `input` in a seeded random order (a leading deployment-marker line, if any, moves too). Returns the line count. */
export async function shuffleLp(input: string, out: string, seed = 7): Promise<number> {
  const lines = readFileSync(input, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const order = Uint32Array.from({ length: lines.length }, (_, i) => i);
  shuffle(order, seed);
  await writeLines(out, lines.length, (i) => `${lines[order[i]]}\n`);
  return lines.length;
}

/** `endpoints` distinct endpoints × `linesPerEndpoint` requests, half before and half after the demo upgrade. Returns the line count. */
export async function manySeriesLp(out: string, endpoints: number, linesPerEndpoint = 12, seed = 7): Promise<number> {
  const upgradeAt = Date.parse(DEFAULT_DEMO_UPGRADE_AT);
  const r = seededRandom(seed);
  const count = endpoints * linesPerEndpoint;
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  shuffle(order, seed + 1);
  await writeLines(out, count, (i) => {
    const k = order[i];
    const e = Math.floor(k / linesPerEndpoint);
    const after = k % 2 === 1;
    const timeMs = upgradeAt + (after ? 0 : -H2) + r.int(H2 * 1000) / 1000;
    const duration = Math.round(Math.exp(Math.log(50) + 0.4 * r.normal()) * 1000) / 1000;
    return `http_request,service=svc-${e % 10},endpoint=/api/e${e} duration_ms=${duration} ${formatNs(timeMs)}\n`;
  });
  return count;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { endpoints: { type: 'string' }, 'lines-per-endpoint': { type: 'string' }, seed: { type: 'string' } },
  });
  const seed = values.seed ? Number(values.seed) : 7;
  const [what, a, b] = positionals;
  if (what === 'shuffle' && a && b) {
    console.log(`${await shuffleLp(a, b, seed)} lines written to ${b}`);
  } else if (what === 'series' && a && values.endpoints) {
    console.log(`${await manySeriesLp(a, Number(values.endpoints), Number(values['lines-per-endpoint'] ?? 12), seed)} lines written to ${a}`);
  } else {
    console.error('usage: make-scale-lp.ts shuffle <in.lp> <out.lp> [--seed N] | series <out.lp> --endpoints N [--lines-per-endpoint 12] [--seed N]');
    process.exit(2);
  }
}

if (process.argv[1]?.endsWith('make-scale-lp.ts')) await main();
