/**
 * Settings of the InfluxDB sources: validation of `sources.<name>` entries of kind influx1/influx2 and
 * parsing of the `--source` URL forms `influx1+http://[user:pass@]host:port/<db>[?rp=…]` and
 * `influx2+http(s)://host:port/<bucket>?org=<org>`. Credentials are read from environment variables
 * named in the config (or user:pass in an influx1 URL); they never appear in `description`.
 */
import { Type, type Static } from '../../vendor/typebox.ts';
import { AppError } from '../../errors.ts';
import { SchemaMappingSchema, checkSchemaMapping, validateOrThrow, deepMerge, type SchemaMapping } from '../../config.ts';
import { redactUrl } from '../redact-url.ts';
import type { InputSettings } from '../source-settings.ts';
import { DEFAULT_RETRY_OPTIONS, type RetryOptions } from './influx-http.ts';

export { redactUrl } from '../redact-url.ts';

/** What the InfluxDB settings read from the configuration (a SourceSettings or the whole Config will do). */
export interface InfluxSettingsSlice {
  schema: SchemaMapping;
  input: Pick<InputSettings, 'timelineIntervalMs'>;
}

/** raw = every point; aggregated = histograms/counters computed by the database; auto = decided by a count query;
 * preaggregated = the `schema.histogram` / `schema.counters` measurements users already keep; off = skip. */
export type MetricMode = 'raw' | 'aggregated' | 'auto' | 'preaggregated' | 'off';

/** `auto` on InfluxDB 2.x: above this many points Flux's one-pass histogram() beats pulling every point. */
export const DEFAULT_AUTO_THRESHOLD = 200_000;
/**
 * `auto` on InfluxDB 1.x: InfluxQL has no histogram, so the aggregated mode costs one full scan per bucket
 * (≈ 0.6 × a raw pull's time each, measured on 1.6.7: 40+ scans for a typical latency range) and raw is the
 * cheaper pull at any size; aggregated is chosen only where raw points would not fit in memory (~30 B/point).
 */
export const DEFAULT_AUTO_THRESHOLD_V1 = 30_000_000;
/** Queries in flight at once per fetch (time slices of both metrics and windows). */
export const DEFAULT_PARALLEL_QUERIES = 2;
/** 20 buckets per decade: each bucket is 10^(1/20) − 1 ≈ 12.2 % wide (the resolution stated on histogram findings). */
export const DEFAULT_BUCKETS = { min: 0.1, max: 100_000, perDecade: 20 };
export const DEFAULT_TOKEN_ENV = 'INFLUX_TOKEN';
export const DEFAULT_USER_ENV = 'INFLUX_USER';
export const DEFAULT_PASSWORD_ENV = 'INFLUX_PASSWORD';
/** Rows per chunk asked from InfluxDB 1.x: bounds the memory of one parsed JSON chunk. */
export const DEFAULT_CHUNK_SIZE = 10_000;

const Mode = Type.Union(['raw', 'aggregated', 'auto', 'preaggregated', 'off'].map((m) => Type.Literal(m)));
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const Positive = Type.Number({ exclusiveMinimum: 0 });

const CommonFields = {
  url: Type.String({ pattern: '^https?://' }),
  mode: Type.Optional(
    Type.Union([Mode, Type.Object({ requests: Type.Optional(Mode), upstreams: Type.Optional(Mode) }, { additionalProperties: false })]),
  ),
  autoThreshold: Type.Optional(Type.Integer({ minimum: 1 })),
  buckets: Type.Optional(Type.Object({ min: Positive, max: Positive, perDecade: Type.Integer({ minimum: 1, maximum: 100 }) }, { additionalProperties: false })),
  /** GROUP BY time interval of the aggregated queries (default: input.timelineIntervalMs). */
  aggregationIntervalMs: Type.Optional(Type.Integer({ minimum: 1000 })),
  /** Idle timeout of one attempt: no byte for this long abandons it. */
  timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
  /** Total deadline of one query, all attempts, waits and streaming included (a trickling server stops here). */
  deadlineMs: Type.Optional(Type.Integer({ minimum: 1000 })),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  /** Queries in flight at once (time slices of a pull run side by side). */
  parallelQueries: Type.Optional(Type.Integer({ minimum: 1, maximum: 16 })),
  /** Partial override of the top-level schema mapping for this source. */
  schema: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
};

export const Influx1SourceSchema = Type.Object(
  {
    kind: Type.Literal('influx1'),
    ...CommonFields,
    db: Type.String({ minLength: 1 }),
    rp: Type.Optional(Type.String({ minLength: 1 })),
    userEnv: Type.Optional(EnvName),
    passwordEnv: Type.Optional(EnvName),
    chunkSize: Type.Optional(Type.Integer({ minimum: 100, maximum: 1_000_000 })),
    /** Body format asked of /query: msgpack (default; a server that answers JSON is still read) or json. */
    format: Type.Optional(Type.Union([Type.Literal('msgpack'), Type.Literal('json')])),
    /** Ask for gzip-compressed answers (default false: on a LAN the compression costs influxd more than it saves). */
    gzip: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const Influx2SourceSchema = Type.Object(
  {
    kind: Type.Literal('influx2'),
    ...CommonFields,
    org: Type.String({ minLength: 1 }),
    bucket: Type.String({ minLength: 1 }),
    tokenEnv: Type.Optional(EnvName),
  },
  { additionalProperties: false },
);

export type Influx1SourceConfig = Static<typeof Influx1SourceSchema>;
export type Influx2SourceConfig = Static<typeof Influx2SourceSchema>;

/** Everything both sources need, resolved and defaulted. */
export interface InfluxCommonSettings {
  url: URL;
  modes: { requests: MetricMode; upstreams: MetricMode };
  autoThreshold: number;
  parallelQueries: number;
  buckets: { min: number; max: number; perDecade: number };
  aggregationIntervalMs: number;
  timelineIntervalMs: number;
  retry: RetryOptions;
  schema: SchemaMapping;
  /**
   * false: raw upstream pulls read every call even where the dialect can count the plain ones per bucket
   * (`splitUpstreams`, 1.x). Same data either way; only for comparing the two (tests, benchmark). Default true.
   */
  splitUpstreams?: boolean;
}

export interface Influx1Settings extends InfluxCommonSettings {
  kind: 'influx1';
  db: string;
  rp?: string;
  user?: string;
  password?: string;
  chunkSize: number;
  format: 'msgpack' | 'json';
  gzip: boolean;
}

export interface Influx2Settings extends InfluxCommonSettings {
  kind: 'influx2';
  org: string;
  bucket: string;
  token?: string;
  /** Name of the variable the token came from, for messages. */
  tokenEnv: string;
}

function common(raw: Influx1SourceConfig | Influx2SourceConfig, settings: InfluxSettingsSlice, where: string): InfluxCommonSettings {
  const url = new URL(raw.url);
  const mode = raw.mode ?? 'auto';
  const modes = typeof mode === 'string' ? { requests: mode, upstreams: mode } : { requests: mode.requests ?? 'auto', upstreams: mode.upstreams ?? 'auto' };
  const schema = raw.schema ? validateOrThrow(SchemaMappingSchema, deepMerge(settings.schema, raw.schema), `${where}.schema`) : settings.schema;
  if (raw.schema) checkSchemaMapping(schema, where);
  const buckets = raw.buckets ?? DEFAULT_BUCKETS;
  if (!(buckets.max > buckets.min)) throw new AppError('BAD_INPUT', `${where}.buckets: max (${buckets.max}) must be above min (${buckets.min})`);
  return {
    url,
    modes: modes as InfluxCommonSettings['modes'],
    autoThreshold: raw.autoThreshold ?? (raw.kind === 'influx1' ? DEFAULT_AUTO_THRESHOLD_V1 : DEFAULT_AUTO_THRESHOLD),
    parallelQueries: raw.parallelQueries ?? DEFAULT_PARALLEL_QUERIES,
    buckets,
    aggregationIntervalMs: raw.aggregationIntervalMs ?? settings.input.timelineIntervalMs,
    timelineIntervalMs: settings.input.timelineIntervalMs,
    retry: {
      ...DEFAULT_RETRY_OPTIONS,
      ...(raw.retries !== undefined ? { retries: raw.retries } : {}),
      ...(raw.timeoutMs !== undefined ? { idleTimeoutMs: raw.timeoutMs } : {}),
      ...(raw.deadlineMs !== undefined ? { deadlineMs: raw.deadlineMs } : {}),
    },
    schema,
  };
}

/** Validates a configured influx1 source; credentials come from the named environment variables. */
export function influx1Settings(raw: unknown, settings: InfluxSettingsSlice, where: string, env: NodeJS.ProcessEnv): Influx1Settings {
  const c = validateOrThrow(Influx1SourceSchema, raw, where);
  const user = env[c.userEnv ?? DEFAULT_USER_ENV];
  const password = env[c.passwordEnv ?? DEFAULT_PASSWORD_ENV];
  return { kind: 'influx1', ...common(c, settings, where), db: c.db, rp: c.rp, user: user || undefined, password: password || undefined, chunkSize: c.chunkSize ?? DEFAULT_CHUNK_SIZE, format: c.format ?? 'msgpack', gzip: c.gzip ?? false };
}

/** Validates a configured influx2 source; the token comes from `tokenEnv` (default INFLUX_TOKEN). */
export function influx2Settings(raw: unknown, settings: InfluxSettingsSlice, where: string, env: NodeJS.ProcessEnv): Influx2Settings {
  const c = validateOrThrow(Influx2SourceSchema, raw, where);
  const tokenEnv = c.tokenEnv ?? DEFAULT_TOKEN_ENV;
  return { kind: 'influx2', ...common(c, settings, where), org: c.org, bucket: c.bucket, token: env[tokenEnv] || undefined, tokenEnv };
}

/** Parses an `influx1+http://…` or `influx2+http(s)://…` `--source` URL into settings with the default schema mapping. */
export function influxSettingsFromUrl(spec: string, settings: InfluxSettingsSlice, env: NodeJS.ProcessEnv): Influx1Settings | Influx2Settings {
  const shown = redactUrl(spec);
  const m = /^influx([12])\+(https?:\/\/.*)$/i.exec(spec);
  if (!m) throw new AppError('BAD_INPUT', `source "${shown}": expected influx1+http://[user:pass@]host:port/<db>[?rp=…] or influx2+http(s)://host:port/<bucket>?org=<org>`);
  let url: URL;
  try {
    url = new URL(m[2]);
  } catch {
    throw new AppError('BAD_INPUT', `source "${shown}": not a valid URL`);
  }
  const name = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const base = `${url.protocol}//${url.host}`;
  const where = `source "${shown}"`;
  if (m[1] === '1') {
    if (!name) throw new AppError('BAD_INPUT', `${where}: the path must name the database, e.g. influx1+http://host:8086/telemetry`);
    const s = influx1Settings({ kind: 'influx1', url: base, db: name, ...(url.searchParams.get('rp') ? { rp: url.searchParams.get('rp') } : {}) }, settings, where, env);
    if (url.username) s.user = decodeURIComponent(url.username);
    if (url.password) s.password = decodeURIComponent(url.password);
    return s;
  }
  const org = url.searchParams.get('org');
  if (!name || !org) throw new AppError('BAD_INPUT', `${where}: needs a bucket and an org, e.g. influx2+https://host:8086/telemetry?org=acme`);
  if (url.username || url.password) throw new AppError('BAD_INPUT', `${where}: put the token in the ${DEFAULT_TOKEN_ENV} environment variable, not in the URL`);
  return influx2Settings({ kind: 'influx2', url: base, bucket: name, org }, settings, where, env);
}
