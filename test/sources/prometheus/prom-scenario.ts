/**
 * Test fixture: one seeded scenario written twice — as raw line protocol (one point per request and per upstream
 * call, ms, the file source's default schema) and as what a Prometheus would have scraped from the same processes
 * every 15 s (OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: classic histograms in seconds,
 * cumulative since process start, two instances per service, one instance restarting mid-window = a counter reset).
 * Services: `shop` regresses at the upgrade (slower tail, more retries), `cart` does not change. `shop` also
 * exports a summary `legacy_duration_seconds{quantile}` for the summary test. `canary` runs a flag rollout (cohort
 * baseline, issue 11): instance `a` has `variant="disabled"`, instance `b` `variant="backoff-v2"`, which regresses
 * at the upgrade; drawn from its own random stream, so the other services' data are those of before.
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { seededRandom } from '../../../src/stats/index.ts';

const MIN = 60_000;
export const UPGRADE_AT = Date.parse('2026-11-20T14:00:00Z');
export const WINDOWS = { before: { start: UPGRADE_AT - 60 * MIN, stop: UPGRADE_AT }, after: { start: UPGRADE_AT, stop: UPGRADE_AT + 60 * MIN } };
export const SCRAPE_MS = 15_000;
const PROCESS_START = WINDOWS.before.start - 10 * MIN;
const END = WINDOWS.after.stop + 2 * MIN;
/** shop instance b restarts here (a scrape time): its counters start again from 0. */
export const RESTART_AT = WINDOWS.before.start + 20 * MIN;
export const LATENCY_LE_S = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, Infinity];
export const BACKOFF_LE_S = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, Infinity];
const SERVICES = ['shop', 'cart'] as const;
const INSTANCES = ['a', 'b'];
const ENDPOINT = '/api';
const UPSTREAM = 'payments-api';

interface Process {
  service: string;
  instance: string;
  /** The flag cohort label/tag (canary only). */
  variant?: string;
  latency: number[];
  latencySum: number;
  backoff: number[];
  backoffSum: number;
  calls: number;
  retries: number;
  exhausted: number;
}

const fresh = (service: string, instance: string, variant?: string): Process => ({
  service,
  instance,
  ...(variant !== undefined ? { variant } : {}),
  latency: LATENCY_LE_S.map(() => 0),
  latencySum: 0,
  backoff: BACKOFF_LE_S.map(() => 0),
  backoffSum: 0,
  calls: 0,
  retries: 0,
  exhausted: 0,
});

function observe(counts: number[], les: number[], v: number): void {
  for (let i = 0; i < les.length; i++) if (v <= les[i]) counts[i]++;
}

const le = (v: number): string => (v === Infinity ? '+Inf' : String(v));

export interface ScenarioFiles {
  lineProtocol: string;
  openMetrics: string;
}

/** Writes `scenario.lp` and `scenario.om` into `dir` (deterministic: the same bytes on every run). */
export async function writeScenario(dir: string): Promise<ScenarioFiles> {
  const mainRnd = seededRandom(20261120);
  const lpFile = path.join(dir, 'scenario.lp');
  const lp = createWriteStream(lpFile);
  const procs = SERVICES.flatMap((s) => INSTANCES.map((i) => fresh(s, i)));
  const canaryRnd = seededRandom(20261121);
  const canary = [fresh('canary', 'a', 'disabled'), fresh('canary', 'b', 'backoff-v2')];
  // Snapshots per scrape per process, written family by family at the end.
  const snaps: Array<{ t: number; p: Process }> = [];
  for (let t = PROCESS_START + SCRAPE_MS; t <= END; t += SCRAPE_MS) {
    const lines: string[] = [];
    for (let k = 0; k < procs.length + canary.length; k++) {
      if (k < procs.length && procs[k].service === 'shop' && procs[k].instance === 'b' && t === RESTART_AT) procs[k] = fresh('shop', 'b');
      const p = k < procs.length ? procs[k] : canary[k - procs.length];
      const rnd = k < procs.length ? mainRnd : canaryRnd;
      const tag = p.variant !== undefined ? `,variant=${p.variant}` : '';
      const regressed = (p.service === 'shop' || p.variant === 'backoff-v2') && t > UPGRADE_AT;
      const n = rnd.poisson((4 * SCRAPE_MS) / 1000);
      for (let j = 0; j < n; j++) {
        const at = t - SCRAPE_MS + (1 - rnd.uniform()) * SCRAPE_MS;
        const ms = regressed ? rnd.lognormal(Math.log(90), 0.55) : rnd.lognormal(Math.log(60), 0.5);
        observe(p.latency, LATENCY_LE_S, ms / 1000);
        p.latencySum += ms / 1000;
        if (at >= WINDOWS.before.start && at < WINDOWS.after.stop) lines.push(`http_request,service=${p.service},endpoint=${ENDPOINT}${tag} duration_ms=${ms} ${Math.round(at * 1e6)}`);
      }
      const calls = rnd.poisson((1.5 * SCRAPE_MS) / 1000);
      for (let j = 0; j < calls; j++) {
        const at = t - SCRAPE_MS + (1 - rnd.uniform()) * SCRAPE_MS;
        const pRetry = regressed ? 0.18 : 0.05;
        let attempts = 1;
        let wait = 0;
        while (attempts < 4 && rnd.uniform() < pRetry) {
          wait += 100 * 2 ** (attempts - 1) * (0.5 + rnd.uniform());
          attempts++;
        }
        const ok = attempts < 4 || rnd.uniform() < 0.5;
        p.calls++;
        p.retries += attempts - 1;
        if (!ok) p.exhausted++;
        if (attempts > 1) {
          observe(p.backoff, BACKOFF_LE_S, wait / 1000);
          p.backoffSum += wait / 1000;
        }
        if (at >= WINDOWS.before.start && at < WINDOWS.after.stop) {
          lines.push(`upstream_call,service=${p.service},upstream=${UPSTREAM}${tag} attempts=${attempts}i,backoff_ms=${wait},ok=${ok} ${Math.round(at * 1e6)}`);
        }
      }
      snaps.push({ t, p: structuredClone(p) });
    }
    if (lines.length > 0 && !lp.write(lines.join('\n') + '\n')) await new Promise<void>((r) => lp.once('drain', () => r()));
  }
  lp.end();
  await finished(lp);

  const omFile = path.join(dir, 'scenario.om');
  const om = createWriteStream(omFile);
  const out: string[] = [];
  const labels = (p: Process, extra: string): string => `{service="${p.service}",instance="${p.instance}"${p.variant !== undefined ? `,variant="${p.variant}"` : ''}${extra}}`;
  const sec = (t: number): string => String(t / 1000);
  const bySeries = (key: (p: Process) => string) => {
    const m = new Map<string, Array<{ t: number; p: Process }>>();
    for (const s of snaps) {
      const k = key(s.p);
      if (!m.has(k)) m.set(k, []);
      m.get(k)!.push(s);
    }
    return [...m.values()];
  };
  const series = bySeries((p) => `${p.service}/${p.instance}`);
  out.push('# TYPE http_request_duration_seconds histogram');
  for (const ss of series) {
    for (const { t, p } of ss) {
      const ep = `,endpoint="${ENDPOINT}"`;
      LATENCY_LE_S.forEach((b, i) => out.push(`http_request_duration_seconds_bucket${labels(p, `${ep},le="${le(b)}"`)} ${p.latency[i]} ${sec(t)}`));
      out.push(`http_request_duration_seconds_count${labels(p, ep)} ${p.latency[LATENCY_LE_S.length - 1]} ${sec(t)}`);
      out.push(`http_request_duration_seconds_sum${labels(p, ep)} ${p.latencySum} ${sec(t)}`);
    }
  }
  out.push('# TYPE upstream_backoff_seconds histogram');
  for (const ss of series) {
    for (const { t, p } of ss) {
      const up = `,upstream="${UPSTREAM}"`;
      BACKOFF_LE_S.forEach((b, i) => out.push(`upstream_backoff_seconds_bucket${labels(p, `${up},le="${le(b)}"`)} ${p.backoff[i]} ${sec(t)}`));
      out.push(`upstream_backoff_seconds_count${labels(p, up)} ${p.backoff[BACKOFF_LE_S.length - 1]} ${sec(t)}`);
      out.push(`upstream_backoff_seconds_sum${labels(p, up)} ${p.backoffSum} ${sec(t)}`);
    }
  }
  for (const [family, field] of [['upstream_calls', 'calls'], ['upstream_retries', 'retries'], ['upstream_exhausted', 'exhausted']] as const) {
    out.push(`# TYPE ${family} counter`);
    for (const ss of series) for (const { t, p } of ss) out.push(`${family}_total${labels(p, `,upstream="${UPSTREAM}"`)} ${p[field]} ${sec(t)}`);
  }
  // A summary of the same requests, as an older client would export it: gauges per quantile, no buckets.
  out.push('# TYPE legacy_duration_seconds summary');
  for (const ss of series.filter((s) => s[0].p.service === 'shop')) {
    for (const { t, p } of ss) {
      const after = t > UPGRADE_AT;
      for (const [q, v] of [['0.5', after ? 0.09 : 0.06], ['0.99', after ? 0.32 : 0.19]] as const) {
        out.push(`legacy_duration_seconds${labels(p, `,endpoint="${ENDPOINT}",quantile="${q}"`)} ${v} ${sec(t)}`);
      }
      out.push(`legacy_duration_seconds_count${labels(p, `,endpoint="${ENDPOINT}"`)} ${p.latency[LATENCY_LE_S.length - 1]} ${sec(t)}`);
      out.push(`legacy_duration_seconds_sum${labels(p, `,endpoint="${ENDPOINT}"`)} ${p.latencySum} ${sec(t)}`);
    }
  }
  out.push('# EOF');
  om.end(out.join('\n') + '\n');
  await finished(om);
  return { lineProtocol: lpFile, openMetrics: omFile };
}
