/**
 * Assembles the running service from config: settings with env overrides, the store (PGlite or PostgreSQL,
 * migrated), the worker pool, auth, metrics, the analysis service and the app. Closing the app closes
 * everything in order: workers (their analyses marked interrupted), then the store.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config.ts';
import { startGuardInService } from '../actions/guard.ts';
import { openStore, type OpenedStore } from '../store/open-store.ts';
import { AnalysisPool } from '../worker/analysis-pool.ts';
import type { AppDeps } from './app-deps.ts';
import { AnalysisService } from '../runtime/analysis-service.ts';
import { buildApp } from './app.ts';
import { createAuth, loadTokens } from './auth.ts';
import { createServiceMetrics } from './metrics-registry.ts';
import { serviceSettings, type ServiceSettings } from './service-config.ts';

export const DEMO_WINDOW = '2h';
export const DEMO_UPGRADE_AGO_MS = 2 * 3_600_000;

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
  settings: ServiceSettings;
  logger: Logger;
  storeDescription: string;
  /** Analyses marked failed on start because a previous process was interrupted. */
  recovered: number;
  /** Id of the demo analysis queued on first start, if any. */
  demoAnalysisId: string | null;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    // Secrets never reach the log: tokens travel in Authorization, database passwords in DATABASE_URL.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.databaseUrl', '*.password'], censor: '[redacted]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** Lets the guard stop without waiting for a pool job; the pool terminates that job when it closes. */
function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function demoSourceName(config: Config): string | null {
  return Object.entries(config.sources ?? {}).find(([, s]) => s.kind === 'demo')?.[0] ?? null;
}

export async function createService(options: CreateServiceOptions): Promise<Service> {
  const env = options.env ?? process.env;
  const settings = serviceSettings(options.config, env);
  options.adjust?.(settings);
  const logger = options.logger ?? createLogger(settings.server.logLevel, options.logDestination);
  const opened: OpenedStore = await openStore({ databaseUrl: settings.store.databaseUrl, dataDir: settings.store.dataDir });
  const pool = new AnalysisPool({ ...settings.pool, config: options.config, runnerModule: options.runnerModule });
  const metrics = createServiceMetrics({ queued: () => pool.queued, running: () => pool.running });
  const auth = createAuth({ tokens: loadTokens(settings.auth, env), openReads: settings.auth.openReads, host: settings.server.host });
  const analyses = new AnalysisService({
    store: opened.store,
    pool,
    metrics,
    config: options.config,
    owner: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    progressIntervalMs: settings.pool.progressIntervalMs,
    verdictCacheMs: settings.server.verdictCacheMs,
    heartbeatMs: settings.store.heartbeatMs,
    log: logger,
  });
  let recovered: number;
  try {
    // PGlite is single-process: whatever is unfinished at start was interrupted. PostgreSQL may be shared by
    // live replicas, so only analyses whose heartbeat went stale count.
    recovered = await analyses.start({ staleMs: opened.sql.kind === 'pglite' ? 0 : settings.store.staleAfterMs, sweepStaleMs: settings.store.staleAfterMs });
  } catch (e) {
    await pool.close();
    await opened.sql.close();
    throw e;
  }

  const deps: AppDeps = {
    env,
    config: options.config,
    sql: opened.sql,
    store: opened.store,
    requireRead: auth.requireRead,
    requireWrite: auth.requireWrite,
    principal: auth.principal,
    settings,
    analyses,
    metrics,
  };
  const app = await buildApp({ deps, logger });
  // The SLA guard runs inside the service when config/guard.yaml says `enabled: true` (dry run by default);
  // it must stop before the store it writes its decisions to is closed.
  const guard = options.startGuard
    ? startGuardInService({
        config: options.config,
        sql: opened.sql,
        store: opened.store,
        log: (m) => logger.info(m),
        env: options.env,
        analyze: (request, signal) => abortable(pool.submit(request), signal),
      })
    : null;
  app.addHook('onClose', async () => {
    await guard?.stop();
    await analyses.close();
    await opened.sql.close();
  });

  if (!auth.writesEnabled) logger.warn('no write token configured: POST routes answer 403 until AFTERSHOCK_WRITE_TOKENS is set');
  if (auth.readsOpen) logger.info({ host: settings.server.host }, 'reads are open without a token (no read token configured, loopback host)');

  let demoAnalysisId: string | null = null;
  const demo = demoSourceName(options.config);
  if (settings.server.demoOnFirstStart && demo && (await opened.store.count()) === 0) {
    const upgradeAt = new Date(Date.now() - DEMO_UPGRADE_AGO_MS).toISOString();
    const record = await analyses.submit({ source: demo, upgradeAt, before: DEMO_WINDOW, after: DEMO_WINDOW });
    demoAnalysisId = record.id;
    logger.info({ analysisId: record.id }, 'empty store: queued a demo analysis');
  }
  return { app, deps, settings, logger, storeDescription: opened.description, recovered, demoAnalysisId };
}
