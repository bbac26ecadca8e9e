/**
 * `--source demo`: seeded synthetic telemetry around whatever upgrade time and windows are asked for
 * (see demo-telemetry.ts for the story). Generated straight into the WindowBuilder, no text round trip.
 */
import type { MetricWindows } from '../../analysis/types.ts';
import { AppError } from '../../errors.ts';
import type { MetricQuery, MetricSource } from '../metric-source.ts';
import type { InputSettings } from '../source-settings.ts';
import type { SourceTechnology } from '../source-technology.ts';
import { DEFAULT_DEMO_SEED, DEMO_ROLLOUT, DemoTelemetry, demoPointsPerSecond, type DemoSink } from './demo-telemetry.ts';
import { demoEventCounts, demoMarkers } from './demo-events.ts';
import { WindowBuilder } from '../window-builder/window-builder.ts';

/** Keep the demo around a second end to end: beyond this many points the rates are scaled down. */
export const DEFAULT_DEMO_MAX_POINTS = 400_000;

export interface DemoSourceOptions {
  seed?: number;
  timelineIntervalMs: number;
  /** Multiplies every rate; by default 1, lowered automatically for long windows (see maxPoints). */
  scale?: number;
  maxPoints?: number;
  /** The gradual flag rollout story (`--source demo-rollout`, or `rollout: true` on a demo source entry). */
  rollout?: boolean;
}

export class DemoSource implements MetricSource {
  readonly description: string;
  private readonly options: DemoSourceOptions;

  constructor(options: DemoSourceOptions) {
    this.options = options;
    this.description = `demo telemetry (seed ${options.seed ?? DEFAULT_DEMO_SEED}${options.rollout ? ', gradual flag rollout' : ''})`;
  }

  async fetch(query: MetricQuery): Promise<MetricWindows> {
    query.signal?.throwIfAborted();
    const references = query.baseline?.kind === 'seasonal' ? query.baseline.references : undefined;
    const beforeMs = references ? references.reduce((n, r) => n + r.stop - r.start, 0) : query.before.stop - query.before.start;
    const seconds = (beforeMs + (query.after.stop - query.after.start)) / 1000;
    const expected = seconds * demoPointsPerSecond();
    const maxPoints = this.options.maxPoints ?? DEFAULT_DEMO_MAX_POINTS;
    const scale = this.options.scale ?? Math.min(1, maxPoints / Math.max(1, expected));
    const builder = WindowBuilder.forQuery(query, { timelineIntervalMs: this.options.timelineIntervalMs, source: this.description });
    if (scale < 1 && this.options.scale === undefined) {
      builder.warn(`demo: request rates scaled by ${scale.toPrecision(2)} to keep the long windows at about ${maxPoints} points`);
    }
    const gen = new DemoTelemetry({ upgradeAt: query.upgradeAt, before: query.before, after: query.after, seed: this.options.seed, scale, rollout: this.options.rollout === true, ...(references ? { references } : {}) });
    // The builder takes the flag cohort as the `variant` tag only when it splits by it (a cohort baseline).
    const sink = builder.cohortTag === DEMO_ROLLOUT.tag ? builder : cohortless(builder);
    gen.generate(sink);
    query.onProgress?.(1);
    query.signal?.throwIfAborted();
    const windows = builder.build();
    const markers = demoMarkers(query);
    const eventCounts = demoEventCounts(query, { seed: this.options.seed ?? DEFAULT_DEMO_SEED, scale });
    return { ...windows, ...(markers.length ? { markers } : {}), ...(query.eventCounts ? { eventCounts } : {}) };
  }

  async ping(): Promise<void> {}
}

/** A demo source with the configured timeline interval. */
export function demoSource(seed: number, settings: { input: Pick<InputSettings, 'timelineIntervalMs'> }, rollout = false): DemoSource {
  return new DemoSource({ seed, timelineIntervalMs: settings.input.timelineIntervalMs, ...(rollout ? { rollout } : {}) });
}

/** `--source demo`, and `sources.<name>` entries of kind demo (optional integer `seed`). */
export const DEMO_SOURCES: SourceTechnology = {
  words: {
    demo: ({ settings }) => demoSource(DEFAULT_DEMO_SEED, settings),
    // The new backoff behind a flag rolled out 10 % → 50 % after the upgrade: try `--baseline cohort` on it.
    'demo-rollout': ({ settings }) => demoSource(DEFAULT_DEMO_SEED, settings, true),
  },
  kinds: {
    demo: (entry, where, { settings }) => {
      const seed = entry.seed ?? DEFAULT_DEMO_SEED;
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new AppError('BAD_INPUT', `${where}.seed: expected an integer, got ${JSON.stringify(seed)}`);
      if (entry.rollout !== undefined && typeof entry.rollout !== 'boolean') throw new AppError('BAD_INPUT', `${where}.rollout: expected true or false, got ${JSON.stringify(entry.rollout)}`);
      return demoSource(seed, settings, entry.rollout === true);
    },
  },
};

/** The builder without the cohort argument (no cohort baseline, or one on a tag the demo does not write). */
function cohortless(builder: WindowBuilder): DemoSink {
  return {
    addRequest: (service, endpoint, timeMs, durationMs) => builder.addRequest(service, endpoint, timeMs, durationMs),
    addUpstreamCall: (service, upstream, timeMs, attempts, backoffMs, ok) => builder.addUpstreamCall(service, upstream, timeMs, attempts, backoffMs, ok),
  };
}
