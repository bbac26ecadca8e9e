/**
 * A builder's collected data as plain structured-cloneable data, so a builder in a worker thread can hand its
 * part to the main thread's builder: exportState (typed arrays listed in `transfer`) and mergeState (appends raw
 * values in call order, adds everything else).
 */
import { addTo, type SubjectTable, type UpstreamIntervals, type UpstreamWindowAcc } from './accumulators.ts';
import { DEFAULT_GROWABLE_CAPACITY, GrowableFloat64, GrowableUint32 } from './growable-float64.ts';
import { createTimelineColumnsWriter, type TimelineColumns } from './timeline-sketch.ts';

export interface WindowBuilderCounts {
  kept: number;
  outsideWindows: number;
  filtered: number;
  /** Points left out for an empty service or subject name (see WindowBuilder.latencySubject). */
  unnamed: number;
}

export interface WindowBuilderState {
  counts: WindowBuilderCounts;
  warnings: string[];
  latency: LatencyColumns;
  upstreams: Array<{
    service: string;
    upstream: string;
    windows: Array<
      Omit<UpstreamWindowAcc, 'rawBackoff' | 'rawBackoffBlocks' | 'counterBackoff'> & {
        rawBackoff: Float64Array | null;
        rawBackoffBlocks: Uint32Array | null;
        counterBackoff: Array<[number, number]> | null;
      }
    >;
    timeline: UpstreamIntervals | null;
  }>;
  /** The typed arrays above, for postMessage's transfer list. */
  transfer: ArrayBuffer[];
}

/**
 * The latency subjects column by column, subject k = 0 … n − 1 in the builder's order: a handful of arrays per
 * builder, where one object with four small typed arrays and a timeline per subject was gigabytes for the
 * segments of a shuffled 100 000-endpoint file (each segment holds nearly every subject; issue 12).
 */
export interface LatencyColumns {
  services: string[];
  endpoints: string[];
  /** How many raw values subject k has in window w, at 2k + w (0: none); the values, and their blocks, in that order. */
  rawCount: Uint32Array;
  rawValues: Float64Array;
  rawBlocks: Uint32Array;
  /** Histogram buckets of the subject windows that have them: (2k + w, [interval start, [le, cumulative count][]][]). */
  hist: Array<[number, Array<[number, Array<[number, number]>]>]>;
  /** The subjects' timelines; null when the builder keeps none. */
  timelines: TimelineColumns | null;
}

/** What a builder holds, as export and merge see it. */
export interface BuilderContents {
  subjects: SubjectTable;
  counts: WindowBuilderCounts;
  warnings: string[];
}

/** The contents as WindowBuilderState; the typed arrays are handed over, so the builder is unusable afterwards. */
export function exportState(from: BuilderContents): WindowBuilderState {
  const transfer: ArrayBuffer[] = [];
  const own = <T extends Float64Array | Uint32Array>(a: T): T => {
    transfer.push(a.buffer as ArrayBuffer);
    return a;
  };
  const latency = exportLatency(from.subjects, transfer);
  const upstreams: WindowBuilderState['upstreams'] = [];
  for (const s of from.subjects.upstreamSubjects()) {
    upstreams.push({
      service: s.service,
      upstream: s.upstream,
      windows: s.windows.map((w) => ({
        ...w,
        rawBackoff: w.rawBackoff === null ? null : own(w.rawBackoff.toArray()),
        rawBackoffBlocks: w.rawBackoffBlocks === null ? null : own(w.rawBackoffBlocks.toArray()),
        blockCalls: own(w.blockCalls),
        blockRetries: own(w.blockRetries),
        blockExhausted: own(w.blockExhausted),
        counterBackoff: w.counterBackoff === null ? null : [...w.counterBackoff],
      })),
      timeline: s.timeline === null ? null : { calls: own(s.timeline.calls), retries: own(s.timeline.retries), exhausted: own(s.timeline.exhausted) },
    });
  }
  return { counts: { ...from.counts }, warnings: [...from.warnings], latency, upstreams, transfer };
}

function exportLatency(table: SubjectTable, transfer: ArrayBuffer[]): LatencyColumns {
  const subjects = [...table.latencySubjects()];
  const rawCount = new Uint32Array(2 * subjects.length);
  let total = 0;
  subjects.forEach((s, k) => {
    for (let w = 0; w < 2; w++) {
      rawCount[2 * k + w] = s.windows[w].raw?.length ?? 0;
      total += rawCount[2 * k + w];
    }
  });
  const rawValues = new Float64Array(total);
  const rawBlocks = new Uint32Array(total);
  const hist: LatencyColumns['hist'] = [];
  const writer = table.timelines ? createTimelineColumnsWriter() : null;
  let at = 0;
  subjects.forEach((s, k) => {
    for (let w = 0; w < 2; w++) {
      const acc = s.windows[w];
      if (acc.raw !== null) {
        acc.raw.copyInto(rawValues, at);
        acc.rawBlocks!.copyInto(rawBlocks, at);
        at += acc.raw.length;
      }
      if (acc.hist !== null) hist.push([2 * k + w, [...acc.hist].map(([t, byLe]) => [t, [...byLe]] as [number, Array<[number, number]>])]);
    }
    if (writer !== null) s.timeline!.exportTo(writer);
  });
  transfer.push(rawCount.buffer, rawValues.buffer, rawBlocks.buffer);
  return {
    services: subjects.map((s) => s.service),
    endpoints: subjects.map((s) => s.endpoint),
    rawCount,
    rawValues,
    rawBlocks,
    hist,
    timelines: writer === null ? null : writer.finish(transfer),
  };
}

function appendRaw(to: GrowableFloat64 | null, values: Float64Array): GrowableFloat64 {
  const g = to ?? new GrowableFloat64(Math.max(DEFAULT_GROWABLE_CAPACITY, values.length));
  g.pushAll(values);
  return g;
}

function appendBlocks(to: GrowableUint32 | null, values: Uint32Array): GrowableUint32 {
  const g = to ?? new GrowableUint32(Math.max(DEFAULT_GROWABLE_CAPACITY, values.length));
  g.pushAll(values);
  return g;
}

function addArray(into: Float64Array, from: Float64Array): void {
  for (let i = 0; i < into.length; i++) into[i] += from[i];
}

function mergeLatency(table: SubjectTable, from: LatencyColumns): void {
  const subjects = from.services.map((service, k) => table.latency(service, from.endpoints[k]));
  let at = 0;
  subjects.forEach((s, k) => {
    for (let w = 0; w < 2; w++) {
      const n = from.rawCount[2 * k + w];
      if (n === 0) continue;
      const acc = s.windows[w];
      acc.raw = appendRaw(acc.raw, from.rawValues.subarray(at, at + n));
      acc.rawBlocks = appendBlocks(acc.rawBlocks, from.rawBlocks.subarray(at, at + n));
      at += n;
    }
    // A builder keeping no timelines ignores the ones of a part that kept them (the same options make both alike).
    if (s.timeline !== null && from.timelines !== null) s.timeline.mergeColumns(from.timelines, k);
  });
  for (const [index, intervals] of from.hist) {
    const acc = subjects[index >> 1].windows[index & 1];
    if (acc.hist === null) acc.hist = new Map();
    for (const [t, pairs] of intervals) {
      let byLe = acc.hist.get(t);
      if (byLe === undefined) {
        byLe = new Map();
        acc.hist.set(t, byLe);
      }
      for (const [le, c] of pairs) addTo(byLe, le, c);
    }
  }
}

/** Adds the state of a builder created with the same options (e.g. in a worker reading another part of a file). */
export function mergeState(into: BuilderContents, state: WindowBuilderState): void {
  into.counts.kept += state.counts.kept;
  into.counts.outsideWindows += state.counts.outsideWindows;
  into.counts.filtered += state.counts.filtered;
  into.counts.unnamed += state.counts.unnamed;
  into.warnings.push(...state.warnings);
  // The exporting builder had the same filters, so every subject in the state passed them already.
  mergeLatency(into.subjects, state.latency);
  for (const u of state.upstreams) {
    const s = into.subjects.upstream(u.service, u.upstream);
    for (let w = 0; w < 2; w++) {
      const from = u.windows[w];
      const acc = s.windows[w];
      acc.rawCalls += from.rawCalls;
      acc.rawRetries += from.rawRetries;
      acc.rawExhausted += from.rawExhausted;
      acc.counterPoints += from.counterPoints;
      acc.counterCalls += from.counterCalls;
      acc.counterRetries += from.counterRetries;
      acc.counterExhausted += from.counterExhausted;
      if (from.rawBackoff !== null) {
        acc.rawBackoff = appendRaw(acc.rawBackoff, from.rawBackoff);
        acc.rawBackoffBlocks = appendBlocks(acc.rawBackoffBlocks, from.rawBackoffBlocks!);
      }
      addArray(acc.blockCalls, from.blockCalls);
      addArray(acc.blockRetries, from.blockRetries);
      addArray(acc.blockExhausted, from.blockExhausted);
      if (from.counterBackoff !== null) {
        if (acc.counterBackoff === null) acc.counterBackoff = new Map();
        for (const [ub, c] of from.counterBackoff) addTo(acc.counterBackoff, ub, c);
      }
    }
    if (s.timeline !== null && u.timeline !== null) {
      addArray(s.timeline.calls, u.timeline.calls);
      addArray(s.timeline.retries, u.timeline.retries);
      addArray(s.timeline.exhausted, u.timeline.exhausted);
    }
  }
}
