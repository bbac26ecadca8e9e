/**
 * The end of a builder: accumulated subjects → the MetricWindows handoff, with the data-quality warnings that
 * can only be given once everything is in (mixed raw/aggregated data, one-sided subjects, non-cumulative
 * histograms, bucket bounds that change, filters that matched nothing).
 */
import type { BlockCells, HistogramSamples, LatencySeries, MetricWindows, SampleSet, UpstreamSeries, UpstreamTimeline, UpstreamWindow } from '../../analysis/types.ts';
import { addTo, WINDOW_NAMES, type IntervalBuckets, type LatencySubject, type SubjectTable, type UpstreamSubject } from './accumulators.ts';
import type { WindowLayout } from './window-layout.ts';
import type { TimelineGrid } from './timeline-grid.ts';
import { latencyTimeline, type TimelineSketch } from './timeline-sketch.ts';
import type { WindowBuilderOptions } from './window-builder.ts';

export interface BuildInput {
  options: WindowBuilderOptions;
  grid: TimelineGrid;
  /** The time blocks of each window (for clustered inference). */
  blocks: WindowLayout;
  subjects: SubjectTable;
  /** Collected so far; the build appends its own. */
  warnings: string[];
}

export function buildWindows(input: BuildInput): MetricWindows {
  const b = new Build(input);
  const t = input.grid.times();
  const latency = [...input.subjects.latencySubjects()].map((s) => b.latency(s, t));
  const upstreams = [...input.subjects.upstreamSubjects()].map((s) => b.upstream(s, t));
  latency.sort((x, y) => bySubject(x.service, x.endpoint, y.service, y.endpoint));
  upstreams.sort((x, y) => bySubject(x.service, x.upstream, y.service, y.upstream));
  b.warnUnmatchedFilters(latency, upstreams);
  const { options } = input;
  const out: MetricWindows = {
    upgradeAt: options.upgradeAt,
    before: { ...options.before },
    after: { ...options.after },
    latency,
    upstreams,
    warnings: input.warnings,
    blockMs: input.blocks.blockMs,
  };
  if (options.source !== undefined) out.source = options.source;
  return out;
}

function bySubject(serviceA: string, nameA: string, serviceB: string, nameB: string): number {
  return serviceA < serviceB ? -1 : serviceA > serviceB ? 1 : nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
}

class Build {
  private readonly input: BuildInput;

  constructor(input: BuildInput) {
    this.input = input;
  }

  private warn(message: string): void {
    this.input.warnings.push(message);
  }

  latency(s: LatencySubject, t: Float64Array): LatencySeries {
    const label = `${s.service} ${s.endpoint}`;
    const sets: SampleSet[] = [];
    for (let w = 0; w < 2; w++) {
      const acc = s.windows[w];
      if (acc.raw !== null && acc.hist !== null) {
        this.warn(`${label}: both raw requests and histogram buckets in the ${WINDOW_NAMES[w]} window; using the raw requests`);
      }
      if (acc.raw !== null) sets.push({ kind: 'raw', values: acc.raw.toArray(), blocks: acc.rawBlocks!.toArray() });
      else if (acc.hist !== null) sets.push(this.histogramFromIntervals(acc.hist, label, s.timeline, w));
      else sets.push({ kind: 'raw', values: new Float64Array(0) });
    }
    if (s.windows[0].raw !== null && s.windows[1].raw === null && s.windows[1].hist !== null) {
      this.warn(`${label}: raw requests before but histogram buckets after the upgrade; the comparison mixes exact and bucketed data`);
    }
    this.warnIfOneSided(label, 'requests', sets.map(sampleCount));
    const series: LatencySeries = { service: s.service, endpoint: s.endpoint, before: sets[0], after: sets[1] };
    if (s.timeline !== null) series.timeline = latencyTimeline(s.timeline, t, this.input.grid.intervalMs);
    return series;
  }

  /** Cumulative `le` counts per interval → one non-cumulative histogram over the window; also feeds the timeline. */
  private histogramFromIntervals(intervals: IntervalBuckets, label: string, timeline: TimelineSketch | null, w: number): HistogramSamples {
    const totals = new Map<number, number>();
    // (block, le, count) of every interval's non-cumulative buckets, for the clustered inference.
    const cellBlock: number[] = [];
    const cellLe: number[] = [];
    const cellCount: number[] = [];
    let firstBounds: string | null = null;
    let boundsDiffer = false;
    let decreasing = 0;
    for (const [timeMs, byLe] of intervals) {
      const les = [...byLe.keys()].sort((a, b) => a - b);
      const key = les.join(',');
      if (firstBounds === null) firstBounds = key;
      else if (key !== firstBounds) boundsDiffer = true;
      let prev = 0;
      let prevLe = 0;
      const interval = this.input.grid.intervalOf(timeMs);
      const block = this.input.blocks.blockOf(w, timeMs);
      for (const le of les) {
        const cum = byLe.get(le) as number;
        let c = cum - prev;
        if (c < 0) {
          decreasing++;
          c = 0;
        }
        prev = Math.max(prev, cum);
        addTo(totals, le, c);
        if (c > 0) {
          cellBlock.push(block);
          cellLe.push(le);
          cellCount.push(c);
        }
        // The bucket's middle stands for its requests; the +Inf bucket's at its lower bound.
        if (c > 0) timeline?.add(interval, Number.isFinite(le) ? (prevLe + le) / 2 : prevLe, c);
        prevLe = le;
      }
    }
    if (boundsDiffer) this.warn(`${label}: histogram bucket bounds differ between intervals; buckets were merged by bound`);
    if (decreasing > 0) this.warn(`${label}: ${decreasing} histogram bucket count(s) decreased with le (not cumulative?); treated as 0`);
    const histogram = histogramOf(totals);
    const bucketOf = new Map<number, number>();
    histogram.upperBounds.forEach((le, i) => bucketOf.set(le, i));
    const blockCells: BlockCells = {
      block: Uint32Array.from(cellBlock),
      bucket: Uint32Array.from(cellLe, (le) => bucketOf.get(le) as number),
      count: Float64Array.from(cellCount),
    };
    return { ...histogram, blockCells };
  }

  upstream(s: UpstreamSubject, t: Float64Array): UpstreamSeries {
    const label = `${s.service} → ${s.upstream}`;
    const windows: UpstreamWindow[] = [];
    for (let w = 0; w < 2; w++) {
      const acc = s.windows[w];
      const hasRaw = acc.rawCalls > 0;
      // Mixed raw calls and counters in one window: the per-block sums hold both, so they describe neither.
      const perBlock = hasRaw && acc.counterPoints > 0 ? undefined : { calls: acc.blockCalls, retries: acc.blockRetries, exhausted: acc.blockExhausted };
      if (hasRaw && acc.counterPoints > 0) {
        this.warn(`${label}: both raw calls and per-interval counters in the ${WINDOW_NAMES[w]} window; using the raw calls`);
      }
      if (hasRaw || acc.counterPoints === 0) {
        windows.push({
          calls: acc.rawCalls,
          retries: acc.rawRetries,
          exhausted: acc.rawExhausted,
          backoff: acc.rawBackoff
            ? { kind: 'raw', values: acc.rawBackoff.toArray(), blocks: acc.rawBackoffBlocks!.toArray() }
            : { kind: 'raw', values: new Float64Array(0), blocks: new Uint32Array(0) },
          ...(perBlock ? { perBlock } : {}),
        });
      } else {
        const backoff: SampleSet = acc.counterBackoff ? histogramOf(acc.counterBackoff) : { kind: 'raw', values: new Float64Array(0) };
        windows.push({
          calls: acc.counterCalls,
          retries: acc.counterRetries,
          exhausted: acc.counterExhausted,
          backoff,
          ...(perBlock ? { perBlock } : {}),
        });
      }
    }
    this.warnIfOneSided(label, 'calls', windows.map((x) => x.calls));
    const series: UpstreamSeries = { service: s.service, upstream: s.upstream, before: windows[0], after: windows[1] };
    if (s.timeline !== null) series.timeline = { intervalMs: this.input.grid.intervalMs, t, ...s.timeline } satisfies UpstreamTimeline;
    return series;
  }

  private warnIfOneSided(label: string, what: string, counts: number[]): void {
    for (let w = 0; w < 2; w++) {
      if (counts[w] === 0 && counts[1 - w] > 0) {
        const { start, stop } = this.input.options[WINDOW_NAMES[w]];
        this.warn(
          `${label}: no ${what} in the ${WINDOW_NAMES[w]} window (${new Date(start).toISOString()} – ${new Date(stop).toISOString()}); ` +
            'kept, its findings will be insufficient_data',
        );
      }
    }
  }

  /** A misspelt --service or --endpoint would only make the report smaller without a word: say which matched nothing. */
  warnUnmatchedFilters(latency: LatencySeries[], upstreams: UpstreamSeries[]): void {
    const { options } = this.input;
    const services = new Set([...latency.map((l) => l.service), ...upstreams.map((u) => u.service)]);
    for (const name of options.services ?? []) {
      if (!services.has(name)) this.warn(`service filter "${name}": no telemetry of that service in the windows`);
    }
    const endpoints = new Set(latency.map((l) => l.endpoint));
    for (const name of options.endpoints ?? []) {
      if (!endpoints.has(name)) this.warn(`endpoint filter "${name}": no requests of that endpoint in the windows`);
    }
  }
}

/** upper bound → count as a HistogramSamples sorted by bound. */
function histogramOf(byBound: Map<number, number>): HistogramSamples {
  const bounds = [...byBound.keys()].sort((a, b) => a - b);
  return { kind: 'histogram', upperBounds: Float64Array.from(bounds), counts: Float64Array.from(bounds, (b) => byBound.get(b) as number) };
}

function sampleCount(s: SampleSet): number {
  if (s.kind === 'raw') return s.values.length;
  let n = 0;
  for (let i = 0; i < s.counts.length; i++) n += s.counts[i];
  return n;
}
