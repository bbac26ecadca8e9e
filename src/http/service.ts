/**
 * Assembles the running service from config: settings with env overrides, the store (PGlite or PostgreSQL,
 * migrated), the worker pool, auth, metrics, the analysis service and the app. Closing the app closes
 * everything in order: workers (their analyses marked interrupted), then the store.
 */
import type { FastifyInstance } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config.ts';
import { startGuard } from '../runtime/guard-runtime.ts';
import { openRuntime, type Runtime } from '../runtime/open-runtime.ts';
import { ReportPageCache, rendererFingerprint } from '../runtime/report-page-cache.ts';
import type { ServiceSettings } from '../runtime/service-settings.ts';
import type { AppDeps } from './app-deps.ts';
import { buildApp } from './app.ts';
import { createAuth, loadTokens, tokenSecrets } from './auth.ts';
import { createSecretFilter, type SecretFilter } from './redact.ts';
import { createServiceMetrics } from './metrics-registry.ts';
import { prettyLogStream, wantsPrettyLogs } from './log-format.ts';
import { batchedLogDestination } from './log-destination.ts';

export const DEMO_WINDOW = '2h';
/** The demo's upgrade: shop 2.4.0 with the new backoff behind its flag, which must be on, and fallbacks that must stay flat. */
export const DEMO_UPGRADE = {
  name: 'shop 2.4.0 (demo)',
  services: ['accounts', 'shop'],
  flags: ['dten.backoff.v2'],
  version: '2.4.0',
  notes: 'Demo data: the new backoff strategy of the client library waits longer between retries to payments-api.',
  expectations: [
    { kind: 'flag', name: 'backoff-v2-on', flag: 'dten.backoff.v2', enabled: true },
    { kind: 'flat', name: 'no-more-fallbacks', counter: { measurement: 'fallback_total' }, services: ['shop'] },
  ],
};
export const DEMO_UPGRADE_AGO_MS = 2 * 3_600_000;
/**
 * The demo's staged rollout (issue 11): the day before the upgrade the same flag went 10 % → 50 % (a configured
 * `kind: demo` source with `rollout: true`), analysed with the cohort baseline — flag-on vs flag-off requests of
 * the same window. A day earlier so that it never is the newest analysis of a service: the verdict route and the
 * upgrade page answer from the before/after analysis of the upgrade itself.
 */
export const DEMO_ROLLOUT_AGO_MS = DEMO_UPGRADE_AGO_MS + 86_400_000;

export interface CreateServiceOptions {
  config: Config;
  env?: NodeJS.ProcessEnv;
  /** Replaces the logger built from server.logLevel. */
  logger?: Logger;
  /** Where the built logger writes (stdout by default; tests capture it). */
  logDestination?: DestinationStream;
  /** A module whose default export replaces runAnalysis in the workers (tests, benchmarks). */
  runnerModule?: string;
  /** Adjusts settings after env overrides (tests: pool size, timeouts). */
  adjust?: (settings: ServiceSettings) => void;
  /** Start the SLA guard when config/guard.yaml enables it (`aftershock serve` does; inject() tests do not). */
  startGuard?: boolean;
}

export interface Service {
  app: FastifyInstance;
  deps: AppDeps;
  runtime: Runtime;
  settings: ServiceSettings;
  logger: Logger;
  storeDescription: string;
  /** Analyses marked failed on start because a previous process was interrupted. */
  recovered: number;
  /** Id of the demo analysis queued on first start, if any. */
  demoAnalysisId: string | null;
  /** Id of the demo upgrade registered on first start, if any. */
  demoUpgradeId: string | null;
  /** Id of the demo's cohort analysis (the staged rollout) queued on first start, if any. */
  demoRolloutAnalysisId: string | null;
}

/**
 * The service's logger: JSON lines (to stdout, batched: log-destination.ts), or (no destination given, stdout a
 * terminal or LOG_FORMAT=pretty) readable one-line logs, one per request (log-format.ts). Configured tokens are replaced by value in every line.
 */
export function createLogger(level: string, destination?: DestinationStream, secrets?: SecretFilter, env: NodeJS.ProcessEnv = process.env): Logger {
  const options: LoggerOptions = {
    level,
    // Secrets never reach the log: tokens travel in Authorization, database passwords in DATABASE_URL.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.databaseUrl', '*.password'], censor: '[redacted]' },
    // And by value: a configured token anywhere in a message or field (a URL path, an echoed parameter) is replaced.
    ...(secrets?.active ? { hooks: { logMethod(args, method) { return method.apply(this, args.map((a) => secrets.redactValue(a)) as Parameters<typeof method>); } } } : {}),
  };
  if (destination) return pino(options, destination);
  return wantsPrettyLogs(env, process.stdout) ? pino(options, prettyLogStream(process.stdout)) : pino(options, batchedLogDestination());
}

function demoSourceName(config: Config): string | null {
  return Object.entries(config.sources ?? {}).find(([, s]) => s.kind === 'demo' && (s as { rollout?: unknown }).rollout !== true)?.[0] ?? null;
}

/** The name under which the service offers the demo's staged rollout when the config has a demo source but none with a rollout. */
export const DEMO_ROLLOUT_SOURCE = 'demo-rollout';

/**
 * The config with the demo's staged rollout as a source (`kind: demo`, `rollout: true`, the demo's seed) beside
 * the configured demo source, unless one is configured or the name is taken: so the first-start cohort analysis
 * and `POST /v1/analyses {"source": "demo-rollout"}` work out of the box. Synthetic data, like `demo` itself.
 */
function withDemoRollout(config: Config): Config {
  const sources = config.sources ?? {};
  const demo = Object.values(sources).find((s) => s.kind === 'demo' && (s as { rollout?: unknown }).rollout !== true) as { seed?: unknown } | undefined;
  if (!demo || demoRolloutSourceName(config) !== null || DEMO_ROLLOUT_SOURCE in sources) return config;
  const rollout = { kind: 'demo' as const, rollout: true, ...(demo.seed !== undefined ? { seed: demo.seed } : {}) };
  return { ...config, sources: { ...sources, [DEMO_ROLLOUT_SOURCE]: rollout } };
}

function demoRolloutSourceName(config: Config): string | null {
  return Object.entries(config.sources ?? {}).find(([, s]) => s.kind === 'demo' && (s as { rollout?: unknown }).rollout === true)?.[0] ?? null;
}

export async function createService(options: CreateServiceOptions): Promise<Service> {
  let runtime: Runtime | null = null;
  // The gauges read the pool lazily: it exists once the runtime is open.
  const metrics = createServiceMetrics({ queued: () => runtime?.pool?.queued ?? 0, running: () => runtime?.pool?.running ?? 0 });
  let log!: Logger;
  let secrets!: SecretFilter;
  const rt = await openRuntime({
    config: withDemoRollout(options.config),
    env: options.env,
    store: true,
    notify: true,
    pool: { runnerModule: options.runnerModule },
    adjust: options.adjust,
    log: (settings) => {
      secrets = createSecretFilter(tokenSecrets(settings.auth, options.env ?? process.env));
      return (log = options.logger ?? createLogger(settings.server.logLevel, options.logDestination, secrets, options.env ?? process.env));
    },
    metrics,
  });
  runtime = rt;
  const { settings } = rt;
  const auth = createAuth({ tokens: loadTokens(settings.auth, rt.env), openReads: settings.auth.openReads, host: settings.server.host });
  let recovered: number;
  try {
    // PGlite is single-process: whatever is unfinished at start was interrupted. PostgreSQL may be shared by
    // live replicas, so only analyses whose heartbeat went stale count.
    recovered = await rt.analyses.start({ staleMs: rt.store.kind === 'pglite' ? 0 : settings.store.staleAfterMs, sweepStaleMs: settings.store.staleAfterMs });
  } catch (e) {
    await rt.close();
    throw e;
  }

  const deps: AppDeps = {
    store: rt.store.reports,
    actions: rt.actions,
    guardLog: rt.store.guardLog,
    notifications: rt.store.notifications,
    readiness: () => rt.readiness(),
    requireRead: auth.requireRead,
    requireWrite: auth.requireWrite,
    principal: auth.principal,
    settings,
    analyses: rt.analyses,
    metrics,
    secrets,
    upgrades: rt.upgrades,
    reportPages: new ReportPageCache(rt.store.reports, await rendererFingerprint()),
  };
  let guard: ReturnType<typeof startGuard> = null;
  let app: FastifyInstance;
  try {
    app = await buildApp({ deps, logger: log });
    // The SLA guard runs inside the service when config/guard.yaml says `enabled: true` (dry run by default);
    // it must stop before the store it writes its decisions to is closed.
    if (options.startGuard) guard = startGuard(rt, { log: (m) => log.info(m) });
  } catch (e) {
    await rt.close();
    throw e;
  }
  app.addHook('onClose', async () => {
    await guard?.stop();
    await rt.close();
  });

  if (!auth.writesEnabled) log.warn('no write token configured: POST routes answer 403 until AFTERSHOCK_WRITE_TOKENS is set');
  if (auth.readsOpen) log.info({ host: settings.server.host }, 'reads are open without a token (no read token configured, loopback host)');

  let demoAnalysisId: string | null = null;
  let demoUpgradeId: string | null = null;
  let demoRolloutAnalysisId: string | null = null;
  const demo = demoSourceName(rt.config);
  if (settings.server.demoOnFirstStart && demo && (await rt.store.reports.count()) === 0) {
    // The rollout's cohort analysis is queued first: lists show the newest first, and the headline (the upgrade's
    // before/after analysis, with its onset) belongs on top. Only when the pool holds both at once.
    const rollout = demoRolloutSourceName(rt.config);
    if (rollout && settings.pool.size + settings.pool.queueLimit >= 2) demoRolloutAnalysisId = await queueDemoRollout(rt, rollout, log);
    const upgradeAt = new Date(Date.now() - DEMO_UPGRADE_AGO_MS).toISOString();
    // The demo's story as an upgrade (issue 15), so the landing page shows one at once; its analysis belongs to it.
    const upgrade = (await rt.store.upgrades.get(DEMO_UPGRADE.name)) ?? (await rt.upgrades.create({ ...DEMO_UPGRADE, upgradeAt, source: demo }, { actor: 'demo', remote: false }));
    demoUpgradeId = upgrade.id;
    const record = await rt.analyses.submit({ source: demo, upgradeAt: upgrade.upgradeAt, before: DEMO_WINDOW, after: DEMO_WINDOW, upgradeId: upgrade.id, expectations: upgrade.expectations });
    demoAnalysisId = record.id;
    log.info({ analysisId: record.id, upgradeId: upgrade.id }, 'empty store: registered the demo upgrade and queued a demo analysis');
  }
  return { app, deps, runtime: rt, settings, logger: log, storeDescription: rt.store.description, recovered, demoAnalysisId, demoUpgradeId, demoRolloutAnalysisId };
}

/** Queues the cohort analysis of the demo's staged rollout; a full pool skips it (the headline demo is queued). */
async function queueDemoRollout(rt: Runtime, source: string, log: Logger): Promise<string | null> {
  const upgradeAt = new Date(Date.now() - DEMO_ROLLOUT_AGO_MS).toISOString();
  try {
    const record = await rt.analyses.submit({ source, upgradeAt, before: DEMO_WINDOW, after: DEMO_WINDOW, baseline: 'cohort' });
    log.info({ analysisId: record.id }, 'empty store: queued the demo rollout analysis (flag-on vs flag-off, cohort baseline)');
    // Created strictly before the headline analysis (same clock, millisecond timestamps): no tie for the id to break.
    const created = Date.parse(record.createdAt);
    for (let i = 0; i < 10 && Date.now() <= created; i++) await new Promise((r) => setTimeout(r, 1));
    return record.id;
  } catch (e) {
    log.warn({ err: e }, 'demo rollout analysis not queued');
    return null;
  }
}
