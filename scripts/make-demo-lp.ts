/**
 * Writes the demo telemetry as a line-protocol file (for benchmarks, for loading InfluxDB in tests, or to try
 * `aftershock analyze --source <file>`).
 *
 *   node --import tsx scripts/make-demo-lp.ts <out.lp> [--upgrade-at 2026-11-20T14:00:00Z]
 *        [--before 2h] [--after 2h] [--lines N | --scale X] [--seed 42]
 *
 * `--lines N` picks the rate scale that gives about N lines (the count varies by a few per mille); a path
 * ending in .gz is gzip-compressed.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { parseDuration, parseTimestamp } from '../src/duration.ts';
import { DEFAULT_DEMO_SEED, demoPointsPerSecond, writeDemoLineProtocol } from '../src/sources/demo/demo-telemetry.ts';

export const DEFAULT_DEMO_UPGRADE_AT = '2026-11-20T14:00:00Z';

export interface MakeDemoLpOptions {
  out: string;
  upgradeAt?: string;
  before?: string;
  after?: string;
  /** Target line count; overrides scale. */
  lines?: number;
  scale?: number;
  seed?: number;
}

/** Writes the file and returns the number of lines written. */
export async function makeDemoLp(options: MakeDemoLpOptions): Promise<number> {
  const upgradeAt = parseTimestamp(options.upgradeAt ?? DEFAULT_DEMO_UPGRADE_AT, '--upgrade-at');
  const beforeMs = parseDuration(options.before ?? '2h', '--before');
  const afterMs = parseDuration(options.after ?? '2h', '--after');
  const seconds = (beforeMs + afterMs) / 1000;
  const scale = options.lines !== undefined ? options.lines / (seconds * demoPointsPerSecond()) : (options.scale ?? 1);
  const file = createWriteStream(options.out, { highWaterMark: 1 << 20 });
  const gz = options.out.endsWith('.gz') ? createGzip({ level: 1 }) : null;
  if (gz) gz.pipe(file);
  const sink = gz ?? file;
  const lines = await writeDemoLineProtocol(sink, {
    upgradeAt,
    before: { start: upgradeAt - beforeMs, stop: upgradeAt },
    after: { start: upgradeAt, stop: upgradeAt + afterMs },
    seed: options.seed ?? DEFAULT_DEMO_SEED,
    scale,
  });
  sink.end();
  await finished(file);
  return lines;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'upgrade-at': { type: 'string' },
      before: { type: 'string' },
      after: { type: 'string' },
      lines: { type: 'string' },
      scale: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    console.error('usage: make-demo-lp.ts <out.lp> [--upgrade-at RFC3339] [--before 2h] [--after 2h] [--lines N | --scale X] [--seed 42]');
    process.exit(2);
  }
  const num = (v: string | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      console.error(`${what}: "${v}" is not a positive number`);
      process.exit(2);
    }
    return n;
  };
  const started = performance.now();
  const lines = await makeDemoLp({
    out: positionals[0],
    upgradeAt: values['upgrade-at'],
    before: values.before,
    after: values.after,
    lines: num(values.lines, '--lines'),
    scale: num(values.scale, '--scale'),
    seed: num(values.seed, '--seed'),
  });
  console.error(`${positionals[0]}: ${lines} lines in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  });
}
