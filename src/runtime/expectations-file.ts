/**
 * The expectations of an upgrade as data: validated from a YAML file (`config/expectations.yaml` shows the
 * format; `aftershock upgrade create --expectations FILE`) or from the `expectations` of `POST /v1/upgrades`.
 * Every error names the file (or body) and the entry: `config/expectations.yaml: expectations.1 (name "x"): …`.
 */
import path from 'node:path';
import { Type, type TSchema } from '../vendor/typebox.ts';
import type { Expectation } from '../analysis/expectations.ts';
import { readYamlFile, validateOrThrow } from '../config.ts';
import { AppError } from '../errors.ts';

const NAME = '^[A-Za-z0-9_.:-]{1,100}$';
const Name = Type.String({ pattern: NAME });
const Text = Type.String({ minLength: 1, maxLength: 300 });
const Tolerance = Type.Object({ relative: Type.Number({ minimum: 0 }), absolute: Type.Number({ minimum: 0 }) }, { additionalProperties: false });

const FlagSchema = Type.Object(
  {
    kind: Type.Literal('flag'),
    name: Name,
    flag: Text,
    project: Type.Optional(Text),
    environment: Type.Optional(Text),
    service: Type.Optional(Text),
    enabled: Type.Optional(Type.Boolean()),
    gone: Type.Optional(Type.Boolean()),
    strategy: Type.Optional(Text),
    payloadKeys: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: 50 })),
    variant: Type.Optional(Text),
  },
  { additionalProperties: false },
);

const FlatSchema = Type.Object(
  {
    kind: Type.Literal('flat'),
    name: Name,
    counter: Type.Optional(Type.Object({ measurement: Text, field: Type.Optional(Text), serviceTag: Type.Optional(Text) }, { additionalProperties: false })),
    endpoint: Type.Optional(Text),
    services: Type.Optional(Type.Array(Text, { minItems: 1, maxItems: 100 })),
    tolerance: Type.Optional(Tolerance),
  },
  { additionalProperties: false },
);

const SCHEMAS: Record<Expectation['kind'], TSchema> = { flag: FlagSchema, flat: FlatSchema };
export const MAX_EXPECTATIONS = 50;

/** Validates a list of expectations; `where` names the file or body in errors. */
export function parseExpectations(raw: unknown, where: string): Expectation[] {
  if (!Array.isArray(raw)) throw new AppError('BAD_INPUT', `${where}: expectations must be a list`);
  if (raw.length > MAX_EXPECTATIONS) throw new AppError('BAD_INPUT', `${where}: at most ${MAX_EXPECTATIONS} expectations, got ${raw.length}`);
  const names = new Set<string>();
  return raw.map((item, i) => {
    const named = item && typeof item === 'object' && typeof (item as { name?: unknown }).name === 'string' ? ` (name "${(item as { name: string }).name}")` : '';
    const at = `${where}: expectations.${i}${named}`;
    const kind = item && typeof item === 'object' ? (item as { kind?: unknown }).kind : undefined;
    if (kind !== 'flag' && kind !== 'flat') {
      throw new AppError('BAD_INPUT', `${at}: kind must be "flag" (a flag state in Unleash) or "flat" (a counter or path that must not rise), got ${JSON.stringify(kind)}`);
    }
    const e = validateOrThrow(SCHEMAS[kind], item, at) as Expectation;
    if (names.has(e.name)) throw new AppError('BAD_INPUT', `${at}: the name "${e.name}" is used twice`);
    names.add(e.name);
    if (e.kind === 'flag' && e.gone && (e.enabled !== undefined || e.strategy || e.payloadKeys)) {
      throw new AppError('BAD_INPUT', `${at}: "gone: true" expects the flag removed; enabled, strategy and payloadKeys say nothing then, leave them out`);
    }
    if (e.kind === 'flag' && e.variant && !e.payloadKeys) throw new AppError('BAD_INPUT', `${at}: variant names the variant whose payload keys are checked; give payloadKeys too`);
    if (e.kind === 'flat' && Boolean(e.counter) === Boolean(e.endpoint)) {
      throw new AppError('BAD_INPUT', `${at}: give exactly one of counter (an event counter, e.g. { measurement: fallback_total }) or endpoint (an old path whose share of requests must not rise)`);
    }
    return e;
  });
}

/** Reads `expectations:` from a YAML file (relative paths from the working directory, like any CLI argument). */
export function loadExpectationsFile(file: string): Expectation[] {
  const abs = path.resolve(file);
  const where = path.relative(process.cwd(), abs) || abs;
  const doc = readYamlFile(abs);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !('expectations' in doc)) {
    throw new AppError('BAD_INPUT', `${where}: expected a mapping with an "expectations" list at the top level`);
  }
  const extra = Object.keys(doc).filter((k) => k !== 'expectations');
  if (extra.length > 0) throw new AppError('BAD_INPUT', `${where}: unknown top-level key${extra.length === 1 ? '' : 's'} ${extra.join(', ')} (only "expectations")`);
  return parseExpectations((doc as { expectations: unknown }).expectations, where);
}
