/**
 * Settings of the Prometheus source: the `sources.<name>` entry of kind `prometheus`, the `--source` URL form
 * `prom+http(s)://host:port[/prefix]`, and the metric/label mapping with its defaults (the names a Prometheus
 * client library exports for the data contract, so the URL alone is enough). Credentials come from
 * environment variables named in the config; they never appear in `description` or in messages.
 */
import { Type, type Static } from '../../vendor/typebox.ts';
import { AppError } from '../../errors.ts';
import { checkTimeUnit, deepMerge, msPerUnit, validateOrThrow } from '../../config.ts';
import type { RetryPolicy } from '../../net/retry.ts';
import { redactUrl } from '../redact-url.ts';
import type { InputSettings } from '../source-settings.ts';
import { isLabelName, isMetricName } from './promql.ts';

/** Prometheus refuses a range query with more points per series than this (query_range "exceeded maximum resolution"). */
export const PROMETHEUS_MAX_POINTS_PER_SERIES = 11_000;
export const DEFAULT_PROMETHEUS_TOKEN_ENV = 'PROMETHEUS_TOKEN';

/** Metric and label names; `unit` is the unit of the histograms' observations and `le` bounds. */
export interface PrometheusSchema {
  requests: { histogram: string; unit: string };
  upstreams: { calls: string; retries: string; exhausted: string; backoffHistogram: string; backoffUnit: string };
  /**
   * `cohort` is the flag-cohort label (baselines issue: the flag-off cohort in the same window as baseline); the
   * source filters on it when the entry names a `cohort` value.
   */
  labels: { service: string; endpoint: string; upstream: string; cohort: string; le: string; quantile: string };
}

export const DEFAULT_PROMETHEUS_SCHEMA: PrometheusSchema = {
  requests: { histogram: 'http_request_duration_seconds_bucket', unit: 's' },
  upstreams: {
    calls: 'upstream_calls_total',
    retries: 'upstream_retries_total',
    exhausted: 'upstream_exhausted_total',
    backoffHistogram: 'upstream_backoff_seconds_bucket',
    backoffUnit: 's',
  },
  labels: { service: 'service', endpoint: 'endpoint', upstream: 'upstream', cohort: 'variant', le: 'le', quantile: 'quantile' },
};

const Name = Type.String({ minLength: 1 });
const closed = { additionalProperties: false };
const SchemaOverride = Type.Object(
  {
    requests: Type.Optional(Type.Object({ histogram: Type.Optional(Name), unit: Type.Optional(Name) }, closed)),
    upstreams: Type.Optional(
      Type.Object(
        { calls: Type.Optional(Name), retries: Type.Optional(Name), exhausted: Type.Optional(Name), backoffHistogram: Type.Optional(Name), backoffUnit: Type.Optional(Name) },
        closed,
      ),
    ),
    labels: Type.Optional(
      Type.Object(
        {
          service: Type.Optional(Name),
          endpoint: Type.Optional(Name),
          upstream: Type.Optional(Name),
          cohort: Type.Optional(Name),
          le: Type.Optional(Name),
          quantile: Type.Optional(Name),
        },
        closed,
      ),
    ),
  },
  closed,
);

export const PrometheusSourceSchema = Type.Object(
  {
    kind: Type.Literal('prometheus'),
    /** Base URL, with the path prefix of a server behind a proxy or of Thanos/Mimir (e.g. /prometheus). */
    url: Type.String({ pattern: '^https?://' }),
    schema: Type.Optional(SchemaOverride),
    /** Only series whose cohort label (schema.labels.cohort) has this value. */
    cohort: Type.Optional(Name),
    /** query_range step = the interval of each increase() (default: input.timelineIntervalMs, the time block). */
    stepMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    /** Points per series per request; longer ranges are split (Prometheus refuses more than 11 000). */
    maxPointsPerSeries: Type.Optional(Type.Integer({ minimum: 2, maximum: PROMETHEUS_MAX_POINTS_PER_SERIES })),
    /** Bearer token for an authenticating proxy, read from this environment variable (default PROMETHEUS_TOKEN). */
    tokenEnv: Type.Optional(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' })),
    /** Tenant of a multi-tenant engine (Mimir, Cortex: the X-Scope-OrgID header). */
    tenant: Type.Optional(Name),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
    deadlineMs: Type.Optional(Type.Integer({ minimum: 1000 })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10 })),
  },
  closed,
);
export type PrometheusSourceConfig = Static<typeof PrometheusSourceSchema>;

export interface PrometheusRetryOptions extends RetryPolicy {
  idleTimeoutMs: number;
  deadlineMs: number;
}

export const DEFAULT_PROMETHEUS_RETRY: PrometheusRetryOptions = {
  retries: 3,
  minDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
  idleTimeoutMs: 30_000,
  deadlineMs: 300_000,
};

export interface PrometheusSettings {
  /** Base URL without user info (the API is under `<url>/api/v1/`). */
  url: URL;
  schema: PrometheusSchema;
  /** ms per raw unit: request histogram, backoff histogram. */
  ms: { duration: number; backoff: number };
  cohort?: string;
  stepMs: number;
  timelineIntervalMs: number;
  maxPointsPerSeries: number;
  headers: Record<string, string>;
  retry: PrometheusRetryOptions;
}

/** What the settings read from the configuration (a SourceSettings or the whole Config will do). */
export interface PrometheusSettingsSlice {
  input: Pick<InputSettings, 'timelineIntervalMs'>;
}

function checkSchema(schema: PrometheusSchema, where: string): void {
  for (const [section, names] of [['requests', { histogram: schema.requests.histogram }], ['upstreams', { calls: schema.upstreams.calls, retries: schema.upstreams.retries, exhausted: schema.upstreams.exhausted, backoffHistogram: schema.upstreams.backoffHistogram }]] as const) {
    for (const [field, name] of Object.entries(names)) {
      if (!isMetricName(name)) throw new AppError('BAD_INPUT', `${where}.schema.${section}.${field}: "${name}" is not a valid Prometheus metric name`);
    }
  }
  for (const [field, name] of Object.entries(schema.labels)) {
    if (!isLabelName(name)) throw new AppError('BAD_INPUT', `${where}.schema.labels.${field}: "${name}" is not a valid Prometheus label name`);
  }
  checkTimeUnit(schema.requests.unit, `${where}.schema.requests.unit`);
  checkTimeUnit(schema.upstreams.backoffUnit, `${where}.schema.upstreams.backoffUnit`);
}

/** Validates a configured `kind: prometheus` source (`where` is "config sources.<name>" for messages). */
export function prometheusSettings(raw: unknown, settings: PrometheusSettingsSlice, where: string, env: NodeJS.ProcessEnv): PrometheusSettings {
  const c = validateOrThrow(PrometheusSourceSchema, raw, where);
  const schema = deepMerge(DEFAULT_PROMETHEUS_SCHEMA, c.schema ?? {});
  checkSchema(schema, where);
  const url = new URL(c.url.replace(/\/+$/, ''));
  const headers: Record<string, string> = {};
  if (url.username || url.password) throw new AppError('BAD_INPUT', `${where}.url: put a token in the ${c.tokenEnv ?? DEFAULT_PROMETHEUS_TOKEN_ENV} environment variable, not in the URL`);
  const token = env[c.tokenEnv ?? DEFAULT_PROMETHEUS_TOKEN_ENV];
  if (token) headers.authorization = `Bearer ${token}`;
  if (c.tenant) headers['x-scope-orgid'] = c.tenant;
  return {
    url,
    schema,
    ms: { duration: msPerUnit(schema.requests.unit), backoff: msPerUnit(schema.upstreams.backoffUnit) },
    ...(c.cohort !== undefined ? { cohort: c.cohort } : {}),
    stepMs: c.stepMs ?? settings.input.timelineIntervalMs,
    timelineIntervalMs: settings.input.timelineIntervalMs,
    maxPointsPerSeries: c.maxPointsPerSeries ?? PROMETHEUS_MAX_POINTS_PER_SERIES,
    headers,
    retry: {
      ...DEFAULT_PROMETHEUS_RETRY,
      ...(c.retries !== undefined ? { retries: c.retries } : {}),
      ...(c.timeoutMs !== undefined ? { idleTimeoutMs: c.timeoutMs } : {}),
      ...(c.deadlineMs !== undefined ? { deadlineMs: c.deadlineMs } : {}),
    },
  };
}

/** `prom+http(s)://host:port[/prefix]` → settings with the default schema (nothing else needed for the default names). */
export function prometheusSettingsFromUrl(spec: string, settings: PrometheusSettingsSlice, env: NodeJS.ProcessEnv): PrometheusSettings {
  const shown = redactUrl(spec);
  const m = /^prom\+(https?:\/\/.*)$/i.exec(spec);
  if (!m) throw new AppError('BAD_INPUT', `source "${shown}": expected prom+http(s)://host:port[/prefix]`);
  let url: URL;
  try {
    url = new URL(m[1]);
  } catch {
    throw new AppError('BAD_INPUT', `source "${shown}": not a valid URL`);
  }
  if (url.search || url.hash) throw new AppError('BAD_INPUT', `source "${shown}": no query string or fragment expected; configure a named source of kind prometheus for options`);
  return prometheusSettings({ kind: 'prometheus', url: `${url.protocol}//${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}` }, settings, `source "${shown}"`, env);
}
