/**
 * InfluxDB 1.x fetch modes against the file source on the same data (issue 12): the seeded demo telemetry over
 * 2 h + 2 h is written to a line-protocol file AND loaded into a local influxd (started here, like the
 * integration tests). Each fetch runs in its own child process (own peak RSS, own deadline) and the table prints
 * raw, aggregated and auto (the default) next to the file source, as ratios. Target: auto ≤ 2× the file source.
 *
 * Scales: `npm run bench influx -- --influx-points=920000,9200000` (default: ≈ 920 k and 10×). A child that runs
 * past `--influx-child-timeout=<s>` (default 900) is reported as such, not waited for.
 * On a shared machine one run of each is noise: `--influx-rounds=<n>` (default 3) measures the kinds n times in
 * alternation, each ratio against the file run of the same round, and prints the median ratio and the range.
 * `--influx-kinds=file,raw,auto` leaves out the slow aggregated pull (one scan per bucket, minutes at 10×).
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { demoPointsPerSecond, writeDemoLineProtocol } from '../src/sources/demo/demo-telemetry.ts';
import { influxSettingsFromUrl, type Influx1Settings, type MetricMode } from '../src/sources/influx/influx-config.ts';
import { InfluxV1Source } from '../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../src/sources/line-protocol/file-source.ts';
import type { MetricWindows } from '../src/analysis/types.ts';
import { startInfluxd } from '../test/setup/influxdb.global.ts';
import { influxQuery, loadLineProtocolFile, uniqueDbName } from '../test/sources/influx/influx-test-helpers.ts';

const UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
const WINDOW_MS = 2 * 3_600_000;
const windows = { upgradeAt: UPGRADE_AT, before: { start: UPGRADE_AT - WINDOW_MS, stop: UPGRADE_AT }, after: { start: UPGRADE_AT, stop: UPGRADE_AT + WINDOW_MS } };
const DEFAULT_POINTS = [920_000, 9_200_000];

type Kind = 'file' | MetricMode;
const ALL_KINDS: Kind[] = ['file', 'raw', 'aggregated', 'auto'];
const DEFAULT_ROUNDS = 3;

interface Measurement {
  ms: number;
  /** CPU time of this process during the fetch (all its threads; influxd's own CPU is not in it). */
  cpuMs: number;
  bytes: number;
  peakRssMb: number;
  /** Requests and upstream calls seen in both windows. */
  requests: number;
  calls: number;
  modes?: string;
  /** Body formats of the answers read (msgpack, json). */
  formats?: string;
  warnings: number;
}

interface Outcome {
  ok: boolean;
  m?: Measurement;
  error?: string;
  /** influxd's own CPU time during the child's run (file runs: ≈ 0). */
  serverCpuMs?: number;
}

/** CPU time (user + system) of a process so far, from /proc (clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Waits until influxd has been nearly idle (< 5 % of a core) for 3 s, at most `maxS`: a freshly loaded database keeps
 * compacting for a while, and a run measured during a compaction shares the cores with it (a real analysis reads
 * settled data).
 */
async function settleServer(pid: number, maxS = 180): Promise<number> {
  const t0 = performance.now();
  let last = processCpuMs(pid);
  while (performance.now() - t0 < maxS * 1000) {
    await new Promise((r) => setTimeout(r, 3000));
    const now = processCpuMs(pid);
    if (now - last < 150) break;
    last = now;
  }
  return (performance.now() - t0) / 1000;
}

function totals(w: MetricWindows): { requests: number; calls: number } {
  let requests = 0;
  let calls = 0;
  for (const l of w.latency) for (const set of [l.before, l.after]) requests += set.kind === 'raw' ? set.values.length : set.counts.reduce((a, b) => a + b, 0);
  for (const u of w.upstreams) calls += u.before.calls + u.after.calls;
  return { requests, calls };
}

/** Child mode: one fetch, result as JSON on stdout. */
async function child(kind: Kind, target: string): Promise<void> {
  const config = loadConfig();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let w: MetricWindows;
  let bytes = 0;
  let modes: string | undefined;
  let formats: string | undefined;
  if (kind === 'file') {
    w = await new LineProtocolFileSource({ path: target, schema: config.schema, maxBadLineShare: 0, timelineIntervalMs: config.input.timelineIntervalMs }).fetch(windows);
    bytes = (await stat(target)).size;
  } else {
    const s = influxSettingsFromUrl(`influx1+${target}`, config, {}) as Influx1Settings;
    const src = new InfluxV1Source(kind === 'auto' ? s : { ...s, modes: { requests: kind, upstreams: kind } });
    w = await src.fetch({ ...windows, log: (m) => process.stderr.write(`${m}\n`) });
    bytes = src.bytesReceived;
    modes = `${src.lastOutcome.requests}/${src.lastOutcome.upstreams}`;
    formats = Object.entries(src.answersByFormat).filter(([, n]) => n > 0).map(([f]) => f).join('+');
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const out: Measurement = { ms, cpuMs: (cpu.user + cpu.system) / 1000, bytes, peakRssMb: process.resourceUsage().maxRSS / 1024, ...totals(w), modes, formats, warnings: w.warnings.length };
  process.stdout.write(JSON.stringify(out));
}

/**
 * Requests and upstream calls the database holds in the two windows (counted by influxd itself). The demo data has
 * points that repeat a series and a timestamp, which InfluxDB stores once (a later write overwrites), so a pull can
 * hold fewer than the file and still be complete: it is checked against this count, and the file against it too.
 */
async function databaseTotals(url: string, db: string): Promise<{ requests: number; calls: number }> {
  const { schema } = loadConfig();
  const range = `time >= ${windows.before.start}ms AND time < ${windows.after.stop}ms`;
  const count = async (field: string, measurement: string): Promise<number> => {
    const r = (await influxQuery(url, `SELECT count("${field}") FROM "${measurement}" WHERE ${range}`, db)) as { results: Array<{ series?: Array<{ values: number[][] }> }> };
    return r.results[0].series?.[0].values[0][1] ?? 0;
  };
  return { requests: await count(schema.request.durationField, schema.request.measurement), calls: await count(schema.upstream.attemptsField, schema.upstream.measurement) };
}

/** The table's remark on a pull's totals: the database's (complete), or what differs from it. */
function sameAs(pull: { requests: number; calls: number }, file: { requests: number; calls: number }, stored: { requests: number; calls: number }, points: number, notes: string[]): string {
  if (pull.requests !== stored.requests || pull.calls !== stored.calls) return ` (!! differs from the database's ${stored.requests}, ${stored.calls})`;
  if (pull.requests === file.requests && pull.calls === file.calls) return ' (= file)';
  notes.push(
    `${points} points: the pulls hold exactly what influxd stored (its own count), ${file.requests - stored.requests} requests and ${file.calls - stored.calls} calls fewer than the file: ` +
      'points that repeat a series and a timestamp, which InfluxDB stores once (a later write overwrites).',
  );
  return ' (= database)';
}

function measure(kind: Kind, target: string, timeoutS: number): Outcome {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', kind, target], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    timeout: timeoutS * 1000,
    killSignal: 'SIGKILL',
  });
  if (r.error || r.signal) return { ok: false, error: r.signal ? `killed after ${timeoutS} s` : String(r.error) };
  if (r.status !== 0) return { ok: false, error: (r.stderr.trim().split('\n').filter((l) => /Error|failed/.test(l))[0] ?? r.stderr.trim().slice(-300)).slice(0, 300) };
  return { ok: true, m: JSON.parse(r.stdout) as Measurement };
}

function arg(name: string): string | undefined {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function run(): Promise<void> {
  const points = (arg('influx-points') ?? '').split(',').filter(Boolean).map(Number);
  const scales = points.length > 0 ? points : DEFAULT_POINTS;
  const timeoutS = Number(arg('influx-child-timeout') ?? 900);
  const rounds = Math.max(1, Number(arg('influx-rounds') ?? DEFAULT_ROUNDS));
  const asked = (arg('influx-kinds') ?? '').split(',').filter(Boolean);
  // The file source is the reference of every ratio: always measured.
  const kinds = asked.length > 0 ? ALL_KINDS.filter((k) => k === 'file' || asked.includes(k)) : ALL_KINDS;
  // Freshly written points sit in influxd's in-memory cache until it snapshots them (10 min by default), and
  // reading them from there is several times slower than from TSM files: a real analysis reads settled data.
  const server = await startInfluxd({ data: { 'cache-snapshot-write-cold-duration': '"1s"' } });
  const pid = server.process.pid!;
  const dir = await mkdtemp(path.join(tmpdir(), 'aftershock-bench-influx-'));
  const dbs: string[] = [];
  const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
  try {
    const rows: Array<{ points: number; out: Record<Kind, Outcome[]>; stored: { requests: number; calls: number } }> = [];
    for (const target of scales) {
      const scale = target / (demoPointsPerSecond() * 2 * (WINDOW_MS / 1000));
      const db = uniqueDbName('aftershock_bench');
      dbs.push(db);
      const file = path.join(dir, `demo-${target}.lp`);
      const t0 = performance.now();
      const ws = createWriteStream(file);
      const lines = await writeDemoLineProtocol(ws, { ...windows, seed: 1, scale });
      ws.end();
      await finished(ws);
      await loadLineProtocolFile(server.url, db, file);
      // Let the cache snapshot (cold after 1 s) and the compactions finish before measuring.
      await new Promise((r) => setTimeout(r, 5_000));
      const settled = await settleServer(pid);
      // One untimed raw pull first: the first pull after a load costs influxd far more (round 1 of the 9.2 M-point runs
      // took 15.8–17.5 s of influxd CPU where later rounds took 11.5–12.8 s; a count of every point beforehand did not
      // change that), which a server in use has long paid.
      const warmCpu = processCpuMs(pid);
      const warm = measure('raw', `${server.url}/${db}`, timeoutS);
      console.log(`warm-up raw pull (untimed): ${warm.ok ? `${(warm.m!.ms / 1000).toFixed(2)} s` : `FAILED: ${warm.error}`}, influxd CPU ${((processCpuMs(pid) - warmCpu) / 1000).toFixed(2)} s`);
      console.log(`loaded ${lines} lines (target ${target}) into influxd and ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s (influxd idle after ${settled.toFixed(0)} s more); load average ${load()}`);
      const stored = await databaseTotals(server.url, db);
      const out = Object.fromEntries(kinds.map((k) => [k, [] as Outcome[]])) as Record<Kind, Outcome[]>;
      for (let round = 0; round < rounds; round++) {
        for (const kind of kinds) {
          // The slow aggregated pull once: its ratio is far from the target either way.
          if (kind === 'aggregated' && round > 0) continue;
          const server0 = processCpuMs(pid);
          const o = measure(kind, kind === 'file' ? file : `${server.url}/${db}`, timeoutS);
          o.serverCpuMs = processCpuMs(pid) - server0;
          out[kind].push(o);
          console.log(
            `  round ${round + 1} ${kind}: ${o.ok ? `${(o.m!.ms / 1000).toFixed(2)} s, ${o.m!.requests} requests, ${o.m!.calls} calls${o.m!.modes ? `, modes ${o.m!.modes}` : ''}` : `FAILED: ${o.error}`}` +
              `, influxd CPU ${(o.serverCpuMs / 1000).toFixed(2)} s (load ${load()})`,
          );
        }
      }
      rows.push({ points: lines, out, stored });
      await rm(file, { force: true });
    }
    console.log(`\nload average at the end: ${load()} (2 cores; the machine may be shared)`);
    console.log(`\n| points | source | runs | median wall s | median × file (range) | median client CPU s | median influxd CPU s | MB received | peak RSS MB | modes (requests/upstreams) | format | requests, calls |`);
    console.log('|---:|---|---:|---:|---|---:|---:|---:|---:|---|---|---|');
    const notes: string[] = [];
    for (const { points: n, out, stored } of rows) {
      const files = out.file;
      for (const kind of kinds) {
        const runs = out[kind];
        const ok = runs.filter((o) => o.ok && o.m);
        if (ok.length === 0) {
          console.log(`| ${n} | ${kind} | ${runs.length} | FAILED | | | | | | | | ${runs[0]?.error ?? ''} |`);
          continue;
        }
        // Each run against the file run of its own round: both saw the same outside load.
        const ratios = runs.flatMap((o, i) => (o.ok && o.m && files[i]?.ok && files[i].m ? [o.m.ms / files[i].m!.ms] : []));
        const m = ok[ok.length - 1].m!;
        const ratio = ratios.length > 0 ? `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})` : '–';
        const file = files.find((o) => o.ok)?.m;
        const same = file && kind !== 'file' ? sameAs(m, file, stored, n, notes) : '';
        const failed = runs.length - ok.length > 0 ? `; ${runs.length - ok.length} FAILED: ${runs.find((o) => !o.ok)?.error}` : '';
        console.log(
          `| ${n} | ${kind} | ${runs.length} | ${(median(ok.map((o) => o.m!.ms)) / 1000).toFixed(2)} | ${ratio} | ${(median(ok.map((o) => o.m!.cpuMs)) / 1000).toFixed(2)} | ${kind === 'file' ? '–' : (median(ok.map((o) => o.serverCpuMs ?? 0)) / 1000).toFixed(2)} | ${(m.bytes / 1e6).toFixed(1)} | ${m.peakRssMb.toFixed(0)} | ${m.modes ?? '–'} | ${m.formats ?? '–'} | ${m.requests}, ${m.calls}${same}${failed} |`,
        );
      }
    }
    for (const note of new Set(notes)) console.log(note);
  } finally {
    for (const db of dbs) await influxQuery(server.url, `DROP DATABASE "${db}"`).catch(() => undefined);
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  const [kind, target] = process.argv.slice(3);
  await child(kind as Kind, target);
}
