/**
 * The `unleash:` and `actions:` config sections (config/default.yaml), validated here because config.ts
 * leaves sections it does not own to their modules. Environment variables override the file so that
 * tokens stay out of YAML.
 */
import { Type, type Static } from '../vendor/typebox.ts';
import { AppError } from '../errors.ts';
import { validateOrThrow, type Config } from '../config.ts';
import type { BackoffBounds } from './backoff-constants.ts';
import { UnleashAdminActions } from './unleash/unleash-admin-actions.ts';
import type { FlagActions, FlagRef } from './flag-actions.ts';

const RangeSchema = Type.Object({ min: Type.Number(), max: Type.Number() }, { additionalProperties: false });

const UnleashSchema = Type.Object(
  {
    url: Type.String(),
    adminToken: Type.String(),
    project: Type.String({ minLength: 1 }),
    environment: Type.String({ minLength: 1 }),
    flag: Type.String({ minLength: 1 }),
    variant: Type.String({ minLength: 1 }),
    timeoutMs: Type.Integer({ minimum: 100 }),
    retries: Type.Integer({ minimum: 0, maximum: 10 }),
    retryBaseMs: Type.Integer({ minimum: 0 }),
    /** Total deadline of one request with its retries (default DEFAULT_UNLEASH_DEADLINE_MS in unleash-http.ts). */
    deadlineMs: Type.Optional(Type.Integer({ minimum: 100 })),
    clientToken: Type.String(),
    clientVisibleTimeoutMs: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const ActionsSchema = Type.Object(
  {
    dryRunDefault: Type.Boolean(),
    bounds: Type.Object(
      { baseMs: RangeSchema, maxMs: RangeSchema, multiplier: RangeSchema, jitter: RangeSchema, maxAttempts: RangeSchema },
      { additionalProperties: false },
    ),
    guardFile: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export type UnleashSettings = Static<typeof UnleashSchema>;
export type ActionsSettings = Static<typeof ActionsSchema> & { bounds: BackoffBounds };

const ENV_OVERRIDES: Array<[keyof UnleashSettings, string]> = [
  ['url', 'UNLEASH_URL'],
  ['adminToken', 'UNLEASH_ADMIN_TOKEN'],
  ['project', 'UNLEASH_PROJECT'],
  ['environment', 'UNLEASH_ENVIRONMENT'],
  ['flag', 'UNLEASH_FLAG'],
  ['clientToken', 'UNLEASH_CLIENT_TOKEN'],
];

export function unleashSettings(config: Config, env: NodeJS.ProcessEnv = process.env): UnleashSettings {
  const merged: Record<string, unknown> = { ...((config.unleash as Record<string, unknown> | undefined) ?? {}) };
  for (const [key, name] of ENV_OVERRIDES) if (env[name] !== undefined && env[name] !== '') merged[key] = env[name];
  return validateOrThrow(UnleashSchema, merged, 'config section "unleash"');
}

export function actionsSettings(config: Config): ActionsSettings {
  const s = validateOrThrow(ActionsSchema, config.actions ?? {}, 'config section "actions"');
  for (const [field, r] of Object.entries(s.bounds)) {
    if (!(r.min <= r.max)) throw new AppError('BAD_INPUT', `config section "actions": bounds.${field} has min ${r.min} above max ${r.max}`);
  }
  return s as ActionsSettings;
}

export function flagRefOf(s: UnleashSettings): FlagRef {
  return { project: s.project, environment: s.environment, flag: s.flag };
}

/** The Unleash client when url and token are set, else null (actions then only dry-run). */
export function createFlagActions(config: Config, env: NodeJS.ProcessEnv = process.env): FlagActions | null {
  const u = unleashSettings(config, env);
  if (!u.url && !u.adminToken) return null;
  if (!u.url || !u.adminToken) {
    throw new AppError('BAD_INPUT', `config section "unleash": ${u.url ? 'adminToken (UNLEASH_ADMIN_TOKEN)' : 'url (UNLEASH_URL)'} is missing; set both, or neither for dry-run only`);
  }
  try {
    new URL(u.url);
  } catch {
    throw new AppError('BAD_INPUT', `config section "unleash": url "${u.url}" is not a URL (e.g. http://unleash:4242)`);
  }
  return new UnleashAdminActions({ ...u, token: u.adminToken, clientToken: u.clientToken || undefined, bounds: actionsSettings(config).bounds });
}
