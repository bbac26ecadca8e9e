/**
 * The `server`, `store`, `auth` and `pool` sections of the config, validated here (config.ts leaves other
 * sections to their modules) with environment overrides applied: HOST, PORT, LOG_LEVEL, DATABASE_URL,
 * AFTERSHOCK_DATA_DIR.
 */
import path from 'node:path';
import { Type, type Static } from '../vendor/typebox.ts';
import { PROJECT_ROOT, validateOrThrow, type Config } from '../config.ts';
import { AppError } from '../errors.ts';

const PositiveInt = Type.Integer({ minimum: 1 });

const ServerSchema = Type.Object({
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  logLevel: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  requestTimeoutMs: PositiveInt,
  keepAliveTimeoutMs: PositiveInt,
  shutdownGraceMs: PositiveInt,
  writeBodyLimitBytes: PositiveInt,
  writeRateLimit: Type.Object({ max: PositiveInt, timeWindowMs: PositiveInt }),
  verdictCacheMs: Type.Integer({ minimum: 0 }),
  demoOnFirstStart: Type.Boolean(),
});

const StoreSchema = Type.Object({
  dataDir: Type.String({ minLength: 1 }),
  heartbeatMs: PositiveInt,
  staleAfterMs: PositiveInt,
});

const TokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    scope: Type.Union([Type.Literal('read'), Type.Literal('write')]),
    sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  },
  { additionalProperties: false },
);

const AuthSchema = Type.Object({
  tokens: Type.Array(TokenSchema),
  openReads: Type.Union([Type.Literal('auto'), Type.Boolean()]),
});

const PoolSchema = Type.Object({
  size: Type.Integer({ minimum: 1, maximum: 64 }),
  queueLimit: Type.Integer({ minimum: 0 }),
  timeoutMs: PositiveInt,
  progressIntervalMs: Type.Integer({ minimum: 0 }),
  /** Nice value of each analysis worker thread (Linux; 0 = the service's own priority): under contention the event loop answering requests gets the CPU first. */
  niceness: Type.Optional(Type.Integer({ minimum: 0, maximum: 19 })),
  /** Heap and stack limits of each analysis worker (node:worker_threads ResourceLimits); past them the analysis fails, the service stays. */
  resourceLimits: Type.Optional(
    Type.Object(
      {
        maxOldGenerationSizeMb: Type.Optional(PositiveInt),
        maxYoungGenerationSizeMb: Type.Optional(PositiveInt),
        codeRangeSizeMb: Type.Optional(PositiveInt),
        stackSizeMb: Type.Optional(PositiveInt),
      },
      { additionalProperties: false },
    ),
  ),
});

const ServiceSchema = Type.Object({ server: ServerSchema, store: StoreSchema, auth: AuthSchema, pool: PoolSchema });

export type ServerSettings = Static<typeof ServerSchema>;
export type StoreSettings = Static<typeof StoreSchema> & { databaseUrl?: string };
export type AuthSettings = Static<typeof AuthSchema>;
export type PoolSettings = Static<typeof PoolSchema>;
export interface ServiceSettings {
  server: ServerSettings;
  store: StoreSettings;
  auth: AuthSettings;
  pool: PoolSettings;
}

function envPort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65535) throw new AppError('BAD_INPUT', `PORT: "${value}" is not a port number (0–65535)`);
  return port;
}

/** Validates the service sections of `config` and applies environment overrides. */
export function serviceSettings(config: Config, env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const picked = { server: config.server, store: config.store, auth: config.auth, pool: config.pool };
  const s = structuredClone(validateOrThrow(ServiceSchema, picked, 'config')) as ServiceSettings;
  if (env.HOST?.trim()) s.server.host = env.HOST.trim();
  if (env.PORT?.trim()) s.server.port = envPort(env.PORT);
  if (env.LOG_LEVEL?.trim()) {
    s.server.logLevel = validateOrThrow(ServerSchema.properties.logLevel, env.LOG_LEVEL.trim(), 'LOG_LEVEL');
  }
  if (env.AFTERSHOCK_DATA_DIR?.trim()) s.store.dataDir = env.AFTERSHOCK_DATA_DIR.trim();
  if (!s.store.dataDir.startsWith('memory://')) s.store.dataDir = path.resolve(PROJECT_ROOT, s.store.dataDir);
  if (env.DATABASE_URL?.trim()) s.store.databaseUrl = env.DATABASE_URL.trim();
  return s;
}
