/**
 * The one composition root. `openRuntime(...)` builds, once, the parts the CLI commands, the HTTP service and
 * the guard share — validated settings, the store, the Unleash adapter and the action service, the job
 * lifecycle, the worker pool, the analysis service, the event hook and the notifier — and `close()` takes them
 * down in reverse order.
 * Nothing else in the program constructs these parts; callers only ask for what they need (`analyze` opens
 * no store, `flag show` no store either).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ActionService } from '../actions/action-service.ts';
import { actionsSettings, createFlagActions, flagRefOf, unleashSettings } from '../actions/actions-config.ts';
import type { FlagActions, FlagRef } from '../actions/flag-actions.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { notifySettings } from '../notify/notify-config.ts';
import type { Notifier } from '../notify/notifier.ts';
import type { Store } from '../store/store.ts';
import type { AnalysisPool } from '../worker/analysis-pool.ts';
import type { AnalysisJobs, JobLog, JobMetrics } from './analysis-jobs.ts';
import type { AnalysisRequest } from './analysis-request.ts';
import type { AnalysisService } from './analysis-service.ts';
import type { ReadinessCheck } from './readiness.ts';
import { withRecommendation } from './report-recommendation.ts';
import { runAnalysis } from './run-analysis.ts';
import { RuntimeEvents } from './runtime-events.ts';
import { serviceSettings, type ServiceSettings } from './service-settings.ts';
import type { UpgradeService } from './upgrade-service.ts';
import { upgradeSettings } from './upgrade-settings.ts';
import type { AnalysisResult } from '../analysis/types.ts';
import type { JobHandlers } from './analysis-jobs.ts';

export interface OpenRuntimeOptions {
  config: Config;
  /** Environment overrides (HOST, DATABASE_URL, UNLEASH_URL, tokens …); process.env unless a test passes its own. */
  env?: NodeJS.ProcessEnv;
  /**
   * The store: `true` opens the configured one (DATABASE_URL or the embedded PGlite), a `Store` is used as
   * given (and closed by close()), `false`/absent opens none.
   */
  store?: boolean | Store;
  /** Run analyses in a bounded worker pool (the service); `runnerModule` replaces runAnalysis in the workers (tests). */
  pool?: boolean | { runnerModule?: string };
  /** Adjusts settings after environment overrides (tests: pool size, timeouts). */
  adjust?: (settings: ServiceSettings) => void;
  /** Where the runtime's parts log; a function gets the validated settings first (the service picks its log level there). */
  log?: JobLog | ((settings: ServiceSettings) => JobLog);
  /** Service metrics (analyses by outcome, durations); optional outside the service. */
  metrics?: JobMetrics;
  /**
   * Send notifications (config `notifications:`) from this process: the service and `aftershock guard` do;
   * short-lived commands do not, so they never pick up and cut off another process's deliveries. Needs a store.
   */
  notify?: boolean;
}

const SILENT: JobLog = { info: () => undefined, warn: () => undefined };

export interface Runtime {
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly settings: ServiceSettings;
  /** Identifies this process as the owner of the analyses it runs (recovery across replicas). */
  readonly owner: string;
  /** The Unleash adapter, or null when Unleash is not configured (every action is then a dry run). */
  readonly flags: FlagActions | null;
  /** Which flag the actions change (project, environment, flag name). */
  readonly flagRef: FlagRef;
  readonly store: Store;
  readonly actions: ActionService;
  readonly jobs: AnalysisJobs;
  readonly pool: AnalysisPool | null;
  readonly analyses: AnalysisService;
  /** What happened (analysis done, guard decision), for listeners such as notifications. */
  readonly events: RuntimeEvents;
  /** Notifications, when this runtime sends them and targets are configured; null otherwise. */
  readonly notifier: Notifier | null;
  /** Upgrades: registration, their page's view, checks, the rollback plan (issue 15). Needs the store. */
  readonly upgrades: UpgradeService;
  /**
   * One analysis recorded in the store as a job (the guard's evaluations): in the worker pool when the runtime
   * has one (the event loop stays free), in-process otherwise.
   */
  analyzeTracked(request: AnalysisRequest, owner: string, signal?: AbortSignal): Promise<{ result: AnalysisResult; analysisId: string }>;
  /** Reachability of the store (when open) and every configured source. */
  readiness(): Promise<Record<string, ReadinessCheck>>;
  /** One analysis, not recorded: in the worker pool when there is one, in-process otherwise. */
  /** `charts: false`: the caller draws no charts (see RunOptions.charts); analyses in the pool build them anyway. */
  analyze(request: AnalysisRequest, options?: { signal?: AbortSignal; charts?: boolean } & JobHandlers): Promise<AnalysisResult>;
  close(): Promise<void>;
}

/** Lets a caller stop waiting for a pool job; the pool terminates that job when it closes. */
function abortable<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new Error('aborted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function missing(part: string, how: string): never {
  // A programming error of the caller, not bad input: the runtime was opened without that part.
  throw new AppError('INTERNAL', `the runtime was opened without ${part} (${how})`);
}

/** The modules of the parts that need a store, loaded together (see openRuntime). */
async function storeParts() {
  const [{ openStore }, { AnalysisJobs }, { LinkedActionService }, { AnalysisService }, { UpgradeService }, { createFlagReader }] = await Promise.all([
    import('../store/open-store.ts'),
    import('./analysis-jobs.ts'),
    import('./linked-actions.ts'),
    import('./analysis-service.ts'),
    import('./upgrade-service.ts'),
    import('../actions/flag-reader.ts'),
  ]);
  return { openStore, AnalysisJobs, LinkedActionService, AnalysisService, UpgradeService, createFlagReader };
}

export async function openRuntime(options: OpenRuntimeOptions): Promise<Runtime> {
  const { config } = options;
  const env = options.env ?? process.env;
  const settings = serviceSettings(config, env);
  options.adjust?.(settings);
  const log = typeof options.log === 'function' ? options.log(settings) : (options.log ?? SILENT);
  const owner = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  // Validated before anything is opened, so a bad unleash/actions section fails fast and leaks nothing.
  const actionSettings = actionsSettings(config);
  const flagRef = flagRefOf(unleashSettings(config, env));
  const flags = createFlagActions(config, env);
  const notify = options.notify && options.store ? notifySettings(config, env) : null;
  const events = new RuntimeEvents((type, e) => log.warn({ event: type, err: { message: (e as Error).message } }, 'a runtime event listener failed'));
  const upgradeConfig = upgradeSettings(config);

  // The store, the pool and the services on them are loaded only when asked for: `aftershock analyze` needs none, and
  // their modules (PGlite, pg, the Unleash reader, notifications) cost ≈ 70 ms of CPU at every start (issue 12).
  const parts = options.store ? await storeParts() : null;
  let store: Store | null = null;
  if (options.store === true) store = await parts!.openStore({ databaseUrl: settings.store.databaseUrl, dataDir: settings.store.dataDir });
  else if (options.store) store = options.store;

  const { AnalysisPool } = options.pool ? await import('../worker/analysis-pool.ts') : { AnalysisPool: null };
  const pool = AnalysisPool
    ? new AnalysisPool({ ...settings.pool, config, runnerModule: typeof options.pool === 'object' ? options.pool.runnerModule : undefined })
    : null;

  // Every finished analysis carries the backoff recommendation (report.recommendation), whichever path ran it.
  const recommend = (result: AnalysisResult) => withRecommendation(result, { flags, bounds: actionSettings.bounds });

  const jobs = store && parts
    ? new parts.AnalysisJobs({
        store: store.reports,
        progressIntervalMs: settings.pool.progressIntervalMs,
        log,
        metrics: options.metrics,
        onDone: (record, result) => events.emit('analysis.done', { analysisId: record.id, request: record.request, result }),
      })
    : null;
  // Deliveries run in the background from the queue in the store: an analysis never waits for a receiver.
  const notifier = store && parts && notify && notify.targets.length > 0 ? new (await import('../notify/notifier.ts')).Notifier({ store: store.notifications, settings: notify, owner, log }) : null;
  if (notifier) {
    events.on('analysis.done', (e) => notifier.analysisDone(e.analysisId, e.result));
    events.on('guard.decision', (d) => notifier.guardDecision(d));
    notifier.start();
  }
  // Actions whose context names an upgrade are linked to it (the upgrade's page and rollback plan).
  const actions: ActionService | null = store && parts
    ? new parts.LinkedActionService(
        {
          flags,
          audit: store.audit,
          ref: flagRef,
          bounds: actionSettings.bounds,
          dryRunDefault: actionSettings.dryRunDefault,
          locks: store.locks,
          findAnalysis: (id) => store.reports.get(id),
        },
        store.upgrades,
      )
    : null;
  const analyses =
    store && parts && pool && jobs
      ? new parts.AnalysisService({
          store: store.reports,
          jobs,
          pool,
          metrics: options.metrics ?? { analyses: { inc: () => undefined }, analysisSeconds: { observe: () => undefined } },
          config,
          owner,
          verdictCacheMs: settings.server.verdictCacheMs,
          heartbeatMs: settings.store.heartbeatMs,
          log,
          finish: recommend,
        })
      : null;

  const inProcess = (request: AnalysisRequest, signal: AbortSignal | undefined, h: JobHandlers, charts: boolean) => {
    h.onStart?.();
    return runAnalysis(request, { config, env, signal, onProgress: h.onProgress, log: h.onLog, ...(charts ? {} : { charts: false }) });
  };

  const execute = async (request: AnalysisRequest, signal: AbortSignal | undefined, h: JobHandlers, charts = true) =>
    recommend(await (pool ? abortable(pool.submit(request, h), signal) : inProcess(request, signal, h, charts)));

  const analyzeTracked = (request: AnalysisRequest, jobOwner: string, signal?: AbortSignal) => {
    const j = jobs ?? missing('the job lifecycle', 'pass store: true');
    return j.track(request, jobOwner, (h) => execute(request, signal, h));
  };
  const upgrades =
    store && parts && actions
      ? new parts.UpgradeService({ store: store.upgrades, reports: store.reports, audit: store.audit, actions, flagReader: parts.createFlagReader(config, env), config, settings: upgradeConfig, analyze: analyzeTracked })
      : null;

  let closed = false;
  return {
    config,
    env,
    settings,
    owner,
    flags,
    flagRef,
    get store() {
      return store ?? missing('a store', 'pass store: true');
    },
    get actions() {
      return actions ?? missing('the action service', 'it records every action in the store: pass store: true');
    },
    get jobs() {
      return jobs ?? missing('the job lifecycle', 'pass store: true');
    },
    pool,
    get analyses() {
      return analyses ?? missing('the analysis service', 'pass store: true and pool: true');
    },
    events,
    notifier,
    get upgrades() {
      return upgrades ?? missing('the upgrade service', 'pass store: true');
    },
    analyzeTracked,
    analyze: (request, o = {}) => execute(request, o.signal, o, o.charts ?? true),
    readiness: async () => (await import('./readiness.ts')).checkReadiness({ config, pingStore: () => (store ? store.reports.ping() : Promise.resolve()) }),
    async close() {
      if (closed) return;
      closed = true;
      // Workers first (their analyses are marked interrupted while the store is still open), then the store.
      if (analyses) await analyses.close();
      else await pool?.close();
      // Deliveries in flight are cancelled and their leases given back before the store closes.
      await notifier?.close();
      await store?.close();
    },
  };
}
