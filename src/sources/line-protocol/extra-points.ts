/**
 * Points beside the request and upstream telemetry that a line-protocol file may carry: deployment markers
 * (`deployment,service=shop version="2.4.0" <ts>`, names from `schema.deployment`) and the event counters a
 * query asks for (`fallback_total,service=shop count=3i <ts>`, per-interval increments). Markers are kept when
 * they fall in a window; counters are totalled per service and window. State merges across reader threads.
 */
import type { DeploymentMarker, EventCountQuery, EventCountSeries, TimeRange } from '../../analysis/types.ts';
import type { SchemaMapping } from '../../config.ts';
import { FieldType, type LineProtocolPoint } from './line-protocol.ts';

export interface ExtraPointsOptions {
  deployment?: SchemaMapping['deployment'];
  eventCounts?: EventCountQuery[];
  before: TimeRange;
  after: TimeRange;
  services?: string[];
}

export interface ExtraPointsState {
  markers: DeploymentMarker[];
  /** [counter, service, before, after]. */
  counts: Array<[string, string, number, number]>;
}

const DEFAULT_SERVICE_TAG = 'service';

export class ExtraPoints {
  private readonly counters = new Map<string, EventCountQuery[]>();
  private readonly found: DeploymentMarker[] = [];
  private readonly totals = new Map<string, { counter: string; service: string; before: number; after: number }>();

  constructor(private readonly o: ExtraPointsOptions) {
    for (const q of o.eventCounts ?? []) this.counters.set(q.measurement, [...(this.counters.get(q.measurement) ?? []), q]);
  }

  /** Whether points of `measurement` are handled here. */
  has(measurement: string): boolean {
    return measurement === this.o.deployment?.measurement || this.counters.has(measurement);
  }

  private window(t: number): 'before' | 'after' | null {
    const { before, after } = this.o;
    if (t >= before.start && t < before.stop) return 'before';
    if (t >= after.start && t < after.stop) return 'after';
    return null;
  }

  private inScope(service: string): boolean {
    return !this.o.services?.length || this.o.services.includes(service);
  }

  /** Handles one point of a measurement `has()` accepted; a reason when it breaks the data contract. */
  onPoint(p: LineProtocolPoint): string | null {
    const d = this.o.deployment;
    if (d && p.measurement === d.measurement) {
      const service = p.tag(d.serviceTag);
      if (service === undefined) return `missing tag "${d.serviceTag}"`;
      const vi = p.fieldIndex(d.versionField);
      const version = vi < 0 ? undefined : p.fieldTypes[vi] === FieldType.String ? p.fieldStrings[vi] : p.fieldText(vi);
      if (this.window(p.timeMs) !== null && this.inScope(service)) this.found.push({ service, at: p.timeMs, ...(version !== undefined ? { version } : {}) });
      if (!this.counters.has(p.measurement)) return null;
    }
    for (const q of this.counters.get(p.measurement) ?? []) {
      const tag = q.serviceTag ?? DEFAULT_SERVICE_TAG;
      const service = p.tag(tag);
      if (service === undefined) return `missing tag "${tag}"`;
      let amount = 1;
      if (q.field) {
        const fi = p.fieldIndex(q.field);
        if (fi < 0) return `missing field "${q.field}"`;
        const type = p.fieldTypes[fi];
        const v = p.fieldNumbers[fi];
        if (type === FieldType.String || type === FieldType.Boolean || !(v >= 0)) return `field "${q.field}": ${p.fieldText(fi)} is not a non-negative number`;
        amount = v;
      }
      const w = this.window(p.timeMs);
      if (w === null || !this.inScope(service)) continue;
      const counter = q.field ? `${q.measurement}.${q.field}` : q.measurement;
      const key = `${counter}\u0000${service}`;
      const t = this.totals.get(key) ?? { counter, service, before: 0, after: 0 };
      t[w] += amount;
      this.totals.set(key, t);
    }
    return null;
  }

  exportState(): ExtraPointsState {
    return { markers: [...this.found], counts: [...this.totals.values()].map((t) => [t.counter, t.service, t.before, t.after]) };
  }

  mergeState(state: ExtraPointsState): void {
    this.found.push(...state.markers);
    for (const [counter, service, before, after] of state.counts) {
      const key = `${counter}\u0000${service}`;
      const t = this.totals.get(key) ?? { counter, service, before: 0, after: 0 };
      t.before += before;
      t.after += after;
      this.totals.set(key, t);
    }
  }

  /** Markers in time order (ties by service), so a parallel read gives the same list as one thread. */
  markers(): DeploymentMarker[] {
    return [...this.found].sort((a, b) => a.at - b.at || (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  }

  eventCounts(): EventCountSeries[] {
    const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return [...this.totals.values()].sort((a, b) => cmp(a.counter, b.counter) || cmp(a.service, b.service)).map((t) => ({ ...t }));
  }

  /** The fields MetricWindows gets: markers when any were seen, event counts when any were asked for. */
  windowsFields(): { markers?: DeploymentMarker[]; eventCounts?: EventCountSeries[] } {
    const markers = this.markers();
    return { ...(markers.length ? { markers } : {}), ...(this.counters.size ? { eventCounts: this.eventCounts() } : {}) };
  }
}
