/**
 * Loads config/default.yaml, deep-merges an optional user file over it, applies environment overrides,
 * and validates the result against a schema. Any problem is an AppError('BAD_INPUT') naming the file and
 * the field, so the CLI can exit 2 with a message a person can act on.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { Type, Value, type Static, type TSchema } from './vendor/typebox.ts';
import { AppError, describeFileError } from './errors.ts';
import type { AnalysisSettings } from './analysis/types.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_CONFIG_PATH = path.join(PROJECT_ROOT, 'config', 'default.yaml');

const Fraction = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 });
const NonNegative = Type.Number({ minimum: 0 });
const ToleranceSchema = Type.Object({ relative: NonNegative, absolute: NonNegative }, { additionalProperties: false });

const AnalysisSchema = Type.Object(
  {
    fdr: Fraction,
    confidence: Fraction,
    quantiles: Type.Array(Fraction, { minItems: 1 }),
    minTailCount: Type.Number({ minimum: 1 }),
    minCalls: Type.Integer({ minimum: 1 }),
    minRetriedCalls: Type.Integer({ minimum: 2 }),
    tolerance: Type.Object(
      { tail: ToleranceSchema, retryRate: ToleranceSchema, exhaustedRate: ToleranceSchema, backoff: ToleranceSchema },
      { additionalProperties: false },
    ),
    incidents: Type.Object(
      { alpha: Fraction, maxShare: Type.Number({ exclusiveMinimum: 0, maximum: 0.5 }), minRatio: Type.Number({ minimum: 1 }) },
      { additionalProperties: false },
    ),
    gaps: Type.Optional(Type.Object({ maxShare: Type.Number({ minimum: 0, maximum: 1 }), alpha: Fraction }, { additionalProperties: false })),
    seasonal: Type.Optional(Type.Object({ periodVariance: Type.Union([Type.Literal('between'), Type.Literal('auto')]) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Name = Type.String({ minLength: 1 });
// No additional properties: a misspelt key (`measurment:`) would otherwise be dropped silently and the
// default name used, so the user's data would look empty or be ignored without a word about the config.
const closed = { additionalProperties: false };
export const SchemaMappingSchema = Type.Object(
  {
    // `unit` (s, ms, us, ns; default ms) is the unit of the raw values: request durations, backoff waits, `le` bounds.
    request: Type.Object({ measurement: Name, serviceTag: Name, endpointTag: Name, durationField: Name, unit: Type.Optional(Type.String()) }, closed),
    upstream: Type.Object(
      {
        measurement: Name,
        serviceTag: Name,
        upstreamTag: Name,
        attemptsField: Name,
        backoffField: Name,
        okField: Name,
        unit: Type.Optional(Type.String()),
      },
      closed,
    ),
    histogram: Type.Object({ measurement: Name, leTag: Name, countField: Name, unit: Type.Optional(Type.String()) }, closed),
    counters: Type.Object({ measurement: Name, callsField: Name, retriesField: Name, exhaustedField: Name }, closed),
    // Deployment markers (issue 15), e.g. `deployment,service=shop version="2.4.0" <ts>`; optional for older configs.
    deployment: Type.Optional(Type.Object({ measurement: Name, serviceTag: Name, versionField: Name }, closed)),
  },
  closed,
);

/**
 * The four forms are told apart by measurement name only (SchemaMapper dispatches on it), so two forms on one
 * name would send every point to the first form and silently ignore the other: refuse that.
 */
export function checkSchemaMapping(schema: SchemaMapping, where: string): void {
  for (const form of ['request', 'upstream', 'histogram'] as const) checkTimeUnit(schema[form].unit, `${where}: schema.${form}.unit`);
  const seen = new Map<string, string>();
  for (const form of ['request', 'upstream', 'histogram', 'counters', 'deployment'] as const) {
    const section = schema[form];
    if (!section) continue;
    const m = section.measurement;
    const other = seen.get(m);
    if (other !== undefined) {
      throw new AppError('BAD_INPUT', `${where}: schema.${form}.measurement "${m}" is also schema.${other}.measurement; each form needs its own measurement`);
    }
    seen.set(m, form);
  }
}
export type SchemaMapping = Static<typeof SchemaMappingSchema>;

// Units and their conversion live in units.ts (a leaf the reader threads load without the rest of this module).
export { boundToMs, DEFAULT_TIME_UNIT, MS_PER_TIME_UNIT, msPerUnit, unitFactors, type TimeUnit, type UnitFactors } from './units.ts';
import { MS_PER_TIME_UNIT } from './units.ts';

/** Refuses a unit other than s, ms, us, ns; `field` names the config field ("config/x.yaml: schema.request.unit"). */
export function checkTimeUnit(unit: string | undefined, field: string): void {
  if (unit !== undefined && !Object.hasOwn(MS_PER_TIME_UNIT, unit)) {
    throw new AppError('BAD_INPUT', `${field}: unknown unit ${JSON.stringify(unit)}; use one of ${Object.keys(MS_PER_TIME_UNIT).join(', ')}`);
  }
}

/** Default baseline of an analysis (runtime/baseline.ts resolves a request against it). */
const BaselineSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('before'), Type.Literal('seasonal'), Type.Literal('cohort')]),
    period: Type.String({ minLength: 1 }),
    periods: Type.Integer({ minimum: 1, maximum: 52 }),
    /** Earlier periods that measure the period-to-period variation (the baseline's included; default 14). */
    variancePeriods: Type.Optional(Type.Integer({ minimum: 2, maximum: 52 })),
    cohortTag: Type.String({ minLength: 1 }),
    control: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
export type BaselineDefaults = Static<typeof BaselineSchema>;

/** One named source; kind-specific fields are validated by the source factory. */
const SourceSchema = Type.Object({ kind: Type.Union([Type.Literal('demo'), Type.Literal('file'), Type.Literal('influx1'), Type.Literal('influx2'), Type.Literal('prometheus')]) }, { additionalProperties: true });

export const ConfigSchema = Type.Object(
  {
    analysis: AnalysisSchema,
    baseline: BaselineSchema,
    input: Type.Object({
      maxBadLineShare: Type.Number({ minimum: 0, maximum: 1 }),
      timelineIntervalMs: Type.Integer({ minimum: 1000 }),
      maxSeries: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
    schema: SchemaMappingSchema,
    sources: Type.Record(Type.String(), SourceSchema),
  },
  // Other sections (server, store, unleash, guard, charts) are validated by their own modules.
  { additionalProperties: true },
);

export type Config = Static<typeof ConfigSchema> & Record<string, unknown>;
export type SourceConfig = Static<typeof SourceSchema> & Record<string, unknown>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars from `over` replace those in `base`. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(over)) return (over === undefined ? base : over) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out as T;
}

export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new AppError('BAD_INPUT', `cannot read config file ${file}: ${describeFileError(e)}`, { cause: e });
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err.linePos?.[0];
    throw new AppError('BAD_INPUT', `${file}${line ? `:${line.line}:${line.col}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`);
  }
  return doc.toJS() ?? {};
}

/** Validates `value` against `schema`; the first error names the file and the dotted field path. */
export function validateOrThrow<S extends TSchema>(schema: S, value: unknown, where: string): Static<S> {
  if (Value.Check(schema, value)) return value as Static<S>;
  const first = Value.Errors(schema, value).First();
  const field = first ? first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)' : '(root)';
  // A choice among fixed words (baseline kind, periodVariance, …): name them rather than TypeBox's "Expected union value".
  const choices = (first?.schema as { anyOf?: Array<{ const?: unknown }> } | undefined)?.anyOf?.map((s) => s.const);
  if (choices && choices.length > 0 && choices.every((c) => typeof c === 'string')) {
    throw new AppError('BAD_INPUT', `${where}: invalid value at "${field}": must be one of ${choices.join(', ')} (got ${JSON.stringify(first?.value)})`);
  }
  throw new AppError('BAD_INPUT', `${where}: invalid value at "${field}": ${first?.message ?? 'does not match the schema'}`);
}

export interface LoadConfigOptions {
  /** A user file merged over the defaults. */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Top-level sections a config file may use besides those of config/default.yaml (every module that reads a section
 * keeps its defaults there, so a section added there is known here without a change).
 */
export const OPTIONAL_SECTIONS: readonly string[] = [];

/**
 * Nested typos are caught by each section's schema; a misspelt section (`analyis:`) would be merged in and never
 * read, so the user's settings would be silently ignored. Refuse it, naming the known sections.
 */
function checkSections(user: Record<string, unknown>, defaults: Record<string, unknown>, where: string): void {
  const known = [...new Set([...Object.keys(defaults), ...OPTIONAL_SECTIONS])];
  const unknown = Object.keys(user).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new AppError('BAD_INPUT', `${where}: unknown top-level section${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')}; known sections: ${known.join(', ')}`);
  }
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  let merged = readYamlFile(DEFAULT_CONFIG_PATH);
  const where = options.file ? path.relative(process.cwd(), options.file) || options.file : 'config/default.yaml';
  if (options.file && path.resolve(options.file) !== DEFAULT_CONFIG_PATH) {
    const user = readYamlFile(options.file);
    if (!isPlainObject(user)) throw new AppError('BAD_INPUT', `${where}: expected a mapping at the top level`);
    checkSections(user, merged as Record<string, unknown>, where);
    merged = deepMerge(merged, user);
  }
  const config = validateOrThrow(ConfigSchema, merged, where) as Config;
  const quantiles = new Set<number>();
  for (const q of config.analysis.quantiles) {
    if (!(q > 0 && q < 1)) throw new AppError('BAD_INPUT', `${where}: analysis.quantiles must lie strictly between 0 and 1 (got ${q})`);
    // A repeated quantile would give duplicate findings, each counted in the false-discovery step.
    if (quantiles.has(q)) throw new AppError('BAD_INPUT', `${where}: analysis.quantiles lists ${q} twice`);
    quantiles.add(q);
  }
  checkSchemaMapping(config.schema, where);
  return config;
}

export function analysisSettings(config: Config): AnalysisSettings {
  return structuredClone(config.analysis) as AnalysisSettings;
}
