/**
 * The `notifications:` config section (config/default.yaml), validated here because config.ts leaves sections it
 * does not own to their modules. Secrets never sit in YAML: a target names the environment variables that hold
 * its URL (`urlEnv`, for Slack, whose URL is the secret) and its signing secret (`secretEnv`), and those are
 * read once here. Every problem is an AppError('BAD_INPUT') naming the target and the field.
 */
import { Type, type Static } from '../vendor/typebox.ts';
import { validateOrThrow, type Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { TargetKind } from '../store/notification-log.ts';
import { EVENT_TYPES, type EventType } from './events.ts';

const PositiveInt = Type.Integer({ minimum: 1 });
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'name of an environment variable' });

const TargetSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    kind: Type.Union([Type.Literal('webhook'), Type.Literal('slack')]),
    url: Type.Optional(Type.String({ minLength: 1 })),
    urlEnv: Type.Optional(EnvName),
    secretEnv: Type.Optional(EnvName),
    events: Type.Optional(Type.Array(Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))), { minItems: 1 })),
    services: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
  },
  { additionalProperties: false },
);

const NotificationsSchema = Type.Object(
  {
    publicBaseUrl: Type.String(),
    concurrency: Type.Integer({ minimum: 1, maximum: 64 }),
    pollIntervalMs: PositiveInt,
    retries: Type.Integer({ minimum: 0, maximum: 20 }),
    minDelayMs: PositiveInt,
    maxDelayMs: PositiveInt,
    attemptTimeoutMs: PositiveInt,
    deadlineMs: PositiveInt,
    maxRetryAfterMs: PositiveInt,
    leaseMs: PositiveInt,
    topRegressions: Type.Integer({ minimum: 0, maximum: 50 }),
    targets: Type.Array(TargetSchema),
  },
  { additionalProperties: false },
);

type RawSettings = Static<typeof NotificationsSchema>;

/** A target with its URL and secret resolved from the environment. */
export interface NotifyTarget {
  name: string;
  kind: TargetKind;
  url: string;
  /** HMAC key of a webhook target (never logged, never stored). */
  secret: string | null;
  events: EventType[];
  /** Only events about these services (all when null); guard actions always pass. */
  services: string[] | null;
}

export interface NotifySettings extends Omit<RawSettings, 'targets' | 'publicBaseUrl'> {
  /** Where people open reports (no trailing slash), or null when not configured. */
  publicBaseUrl: string | null;
  targets: NotifyTarget[];
}

const WHERE = 'config section "notifications"';

function httpUrl(value: string, where: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('BAD_INPUT', `${where} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new AppError('BAD_INPUT', `${where} must be an http(s) URL (got ${url.protocol})`);
  return url;
}

function fromEnv(env: NodeJS.ProcessEnv, name: string, where: string): string {
  const value = env[name]?.trim();
  if (!value) throw new AppError('BAD_INPUT', `${where}: environment variable ${name} is not set`);
  return value;
}

function resolveTarget(t: RawSettings['targets'][number], i: number, env: NodeJS.ProcessEnv, publicBaseUrl: string | null): NotifyTarget {
  const where = `${WHERE}: targets[${i}] ("${t.name}")`;
  if ((t.url === undefined) === (t.urlEnv === undefined)) throw new AppError('BAD_INPUT', `${where}: give exactly one of url and urlEnv`);
  if (t.kind === 'slack' && t.url !== undefined) {
    // A Slack incoming-webhook URL is a credential: whoever has it can post to the channel.
    throw new AppError('BAD_INPUT', `${where}: a Slack webhook URL is a secret: put it in an environment variable and name it in urlEnv`);
  }
  const url = t.url ?? fromEnv(env, t.urlEnv!, `${where}.urlEnv`);
  httpUrl(url, t.url !== undefined ? `${where}.url` : `${where}: the URL in ${t.urlEnv}`);
  let secret: string | null = null;
  if (t.kind === 'webhook') {
    if (!t.secretEnv) throw new AppError('BAD_INPUT', `${where}: a webhook needs secretEnv, the environment variable holding its HMAC signing secret`);
    secret = fromEnv(env, t.secretEnv, `${where}.secretEnv`);
  } else if (t.secretEnv) {
    throw new AppError('BAD_INPUT', `${where}: secretEnv is for webhook targets; Slack does not check signatures`);
  }
  if (t.kind === 'slack' && !publicBaseUrl) {
    throw new AppError('BAD_INPUT', `${where}: a Slack message links the report page: set ${WHERE}.publicBaseUrl or AFTERSHOCK_PUBLIC_URL`);
  }
  return { name: t.name, kind: t.kind, url, secret, events: t.events ?? [...EVENT_TYPES], services: t.services ?? null };
}

/** The validated section with targets resolved; AFTERSHOCK_PUBLIC_URL overrides publicBaseUrl. */
export function notifySettings(config: Config, env: NodeJS.ProcessEnv = process.env): NotifySettings {
  const raw = validateOrThrow(NotificationsSchema, config.notifications ?? {}, WHERE);
  const base = env.AFTERSHOCK_PUBLIC_URL?.trim() || raw.publicBaseUrl.trim();
  const publicBaseUrl = base ? httpUrl(base, `${WHERE}: publicBaseUrl`).href.replace(/\/+$/, '') : null;
  if (raw.maxDelayMs < raw.minDelayMs) throw new AppError('BAD_INPUT', `${WHERE}: maxDelayMs (${raw.maxDelayMs}) is below minDelayMs (${raw.minDelayMs})`);
  // The lease must outlast one attempt, or a second process would send the same delivery meanwhile.
  if (raw.leaseMs <= raw.attemptTimeoutMs) throw new AppError('BAD_INPUT', `${WHERE}: leaseMs (${raw.leaseMs}) must be longer than attemptTimeoutMs (${raw.attemptTimeoutMs})`);
  const seen = new Set<string>();
  const targets = raw.targets.map((t, i) => {
    if (seen.has(t.name)) throw new AppError('BAD_INPUT', `${WHERE}: targets[${i}]: the name "${t.name}" is used twice`);
    seen.add(t.name);
    return resolveTarget(t, i, env, publicBaseUrl);
  });
  return { ...raw, publicBaseUrl, targets };
}
