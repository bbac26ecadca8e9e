/**
 * The slice of the configuration the sources read. `Config` (src/config.ts) is structurally a superset, so it
 * can be passed as is; a caller that builds settings some other way needs nothing else.
 */
import type { SchemaMapping } from '../config.ts';

export interface InputSettings {
  /** Refuse a file when more than this share of its data lines is malformed. */
  maxBadLineShare: number;
  /** Interval of the per-subject timelines (and the default aggregation interval of database queries). */
  timelineIntervalMs: number;
  /** Refuse data with more distinct series than this (default DEFAULT_MAX_SERIES; CLI --max-series). */
  maxSeries?: number;
}

/** One named entry of `sources:`; the fields beyond `kind` are validated by the factory of that kind. */
export type SourceEntry = { kind: string } & Record<string, unknown>;

export interface SourceSettings {
  /** Measurement, tag and field names of the telemetry (config `schema`). */
  schema: SchemaMapping;
  /** config `input`. */
  input: InputSettings;
  /** Named sources, chosen by `--source <name>` (config `sources`). */
  sources: Record<string, SourceEntry>;
}

/** What one source is built with: everything but the named entries. */
export type SourceReadSettings = Pick<SourceSettings, 'schema' | 'input'>;
