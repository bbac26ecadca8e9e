/**
 * A builder's collected data as plain structured-cloneable data, so a builder in a worker thread can hand its
 * part to the main thread's builder: exportState (typed arrays listed in `transfer`) and mergeState (appends raw
 * values in call order, adds everything else).
 */
import { addTo, type SubjectTable, type UpstreamIntervals, type UpstreamWindowAcc } from './accumulators.ts';
import { DEFAULT_GROWABLE_CAPACITY, GrowableFloat64, GrowableUint32 } from './growable-float64.ts';
import type { TimelineSketchState } from './timeline-sketch.ts';

export interface WindowBuilderCounts {
  kept: number;
  outsideWindows: number;
  filtered: number;
}

export interface WindowBuilderState {
  counts: WindowBuilderCounts;
  warnings: string[];
  latency: Array<{
    service: string;
    endpoint: string;
    windows: Array<{ raw: Float64Array | null; rawBlocks: Uint32Array | null; hist: Array<[number, Array<[number, number]>]> | null }>;
    timeline: TimelineSketchState | null;
  }>;
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
  const latency: WindowBuilderState['latency'] = [];
  for (const s of from.subjects.latencySubjects()) {
    latency.push({
      service: s.service,
      endpoint: s.endpoint,
      windows: s.windows.map((w) => ({
        raw: w.raw === null ? null : own(w.raw.toArray()),
        rawBlocks: w.rawBlocks === null ? null : own(w.rawBlocks.toArray()),
        hist: w.hist === null ? null : [...w.hist].map(([t, byLe]) => [t, [...byLe]] as [number, Array<[number, number]>]),
      })),
      timeline: s.timeline === null ? null : s.timeline.exportState(transfer),
    });
  }
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

/** Adds the state of a builder created with the same options (e.g. in a worker reading another part of a file). */
export function mergeState(into: BuilderContents, state: WindowBuilderState): void {
  into.counts.kept += state.counts.kept;
  into.counts.outsideWindows += state.counts.outsideWindows;
  into.counts.filtered += state.counts.filtered;
  into.warnings.push(...state.warnings);
  // The exporting builder had the same filters, so every subject in the state passed them already.
  for (const l of state.latency) {
    const s = into.subjects.latency(l.service, l.endpoint);
    for (let w = 0; w < 2; w++) {
      const from = l.windows[w];
      const acc = s.windows[w];
      if (from.raw !== null) {
        acc.raw = appendRaw(acc.raw, from.raw);
        acc.rawBlocks = appendBlocks(acc.rawBlocks, from.rawBlocks!);
      }
      if (from.hist !== null) {
        if (acc.hist === null) acc.hist = new Map();
        for (const [t, pairs] of from.hist) {
          let byLe = acc.hist.get(t);
          if (byLe === undefined) {
            byLe = new Map();
            acc.hist.set(t, byLe);
          }
          for (const [le, c] of pairs) addTo(byLe, le, c);
        }
      }
    }
    // A builder keeping no timelines ignores the ones of a part that kept them (the same options make both alike).
    if (s.timeline !== null && l.timeline !== null) s.timeline.mergeState(l.timeline);
  }
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
