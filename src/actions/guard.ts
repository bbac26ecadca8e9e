/**
 * The SLA guard: re-analyses each configured target every interval, decides with guard-policy.ts and acts
 * through the ActionService (dry run unless the policy says otherwise). Only one replica acts: on
 * PostgreSQL the leader holds an advisory lock on a dedicated session for as long as it runs; the others
 * record "standby" and retry every interval. The embedded PGlite store is one process, i.e. one replica.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { AnalysisResult, FindingKind } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import { isAppError } from '../errors.ts';
import { runAnalysis, type AnalysisRequest } from '../runtime/run-analysis.ts';
import type { ReportStore } from '../store/report-store.ts';
import type { SqlClient } from '../store/pg/sql-client.ts';
import { actionsSettings, createActionService } from './actions-config.ts';
import type { ActionService } from './action-service.ts';
import { AuditLog } from '../store/pg/pg-audit-log.ts';
import { DEFAULT_BACKOFF_CONSTANTS, type FlagSnapshot } from './backoff-constants.ts';
import { loadGuardConfig, type GuardConfig, type GuardTarget } from './guard-config.ts';
import { GuardLog, type GuardDecision, type NewGuardDecision } from '../store/pg/pg-guard-log.ts';
import { decide, failingKinds } from './guard-policy.ts';
import { recommendBackoff, type BackoffRecommendation } from './recommend-backoff.ts';

const HOUR_MS = 3_600_000;
/** The after window of a target without `after` never shrinks below this (the upgrade just happened). */
const MIN_AFTER_MS = 60_000;

export interface GuardOptions {
  config: Config;
  guard: GuardConfig;
  sql: SqlClient;
  actions: ActionService;
  /** When given, every evaluation's analysis is stored and its id recorded with the decision. */
  store?: ReportStore;
  id?: string;
  now?: () => Date;
  log?: (message: string) => void;
  /** Replaces runAnalysis (tests drive the guard with hand-made reports this way). */
  analyze?: (request: AnalysisRequest, signal?: AbortSignal) => Promise<AnalysisResult>;
}

export interface GuardHandle {
  readonly id: string;
  /** Stops after the current evaluation and releases the lock. */
  stop(): Promise<void>;
}

/** In-process stand-in for the advisory lock on PGlite: one owner per store object. */
const pgliteLeaders = new WeakMap<SqlClient, string>();

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class SlaGuard {
  readonly id: string;
  private readonly log: GuardLog;
  private readonly audit: AuditLog;
  private readonly now: () => Date;
  private readonly say: (message: string) => void;

  constructor(private readonly options: GuardOptions) {
    this.id = options.id ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.log = new GuardLog(options.sql);
    this.audit = new AuditLog(options.sql);
    this.now = options.now ?? (() => new Date());
    this.say = options.log ?? (() => undefined);
  }

  get decisions(): GuardLog {
    return this.log;
  }

  private requestFor(t: GuardTarget, nowMs: number): AnalysisRequest {
    const upgradeMs = Date.parse(t.upgradeAt);
    const after = t.after ?? `${Math.max(MIN_AFTER_MS, Math.floor((nowMs - upgradeMs) / 1000) * 1000)}ms`;
    return { source: t.source, upgradeAt: t.upgradeAt, before: t.before, after, services: t.services, endpoints: t.endpoints };
  }

  private async record(d: Omit<NewGuardDecision, 'guardId' | 'createdAt'>): Promise<GuardDecision> {
    const rec = await this.log.insert({ ...d, guardId: this.id, createdAt: this.now() });
    this.say(`guard ${this.id} ${d.target}: ${d.evaluation}, ${d.decision}${d.step ? ` (${d.step})` : ''}: ${d.reason}`);
    return rec;
  }

  private async analyze(request: AnalysisRequest, signal?: AbortSignal): Promise<{ result: AnalysisResult; analysisId: string | null }> {
    const run = () => (this.options.analyze ? this.options.analyze(request, signal) : runAnalysis(request, { config: this.options.config, signal }));
    const store = this.options.store;
    if (!store) return { result: await run(), analysisId: null };
    const created = await store.create({ request, owner: `guard:${this.id}`, now: this.now() });
    await store.markRunning(created.id);
    try {
      const result = await run();
      await store.complete(created.id, result);
      return { result, analysisId: created.id };
    } catch (e) {
      await store.fail(created.id, (e as Error).message).catch(() => undefined);
      throw e;
    }
  }

  /** One evaluation of one target (the caller holds leadership). */
  async evaluateTarget(target: GuardTarget, signal?: AbortSignal): Promise<GuardDecision> {
    const { guard, actions } = this.options;
    const nowMs = this.now().getTime();
    const base = { target: target.name, step: null, actionId: null, consecutive: 0, analysisId: null, verdict: null, details: null };
    let analysis: { result: AnalysisResult; analysisId: string | null };
    try {
      analysis = await this.analyze(this.requestFor(target, nowMs), signal);
    } catch (e) {
      return this.record({ ...base, evaluation: 'error', decision: 'nothing', reason: `did nothing because the analysis failed: ${(e as Error).message}` });
    }
    const { report, series } = analysis.result;
    const kinds = [...new Set<FindingKind>([...guard.tune.when, ...guard.killSwitch.when])];
    const failing = failingKinds(report, target.services, kinds);
    const episode = await this.log.episode(target.name);
    const consecutive = failing.length > 0 ? episode.failingInARow + 1 : 0;
    const evaluated = { ...base, evaluation: failing.length > 0 ? ('failing' as const) : ('passing' as const), consecutive, analysisId: analysis.analysisId, verdict: report.verdict };

    let flag: FlagSnapshot | null = null;
    if (actions.configured) {
      try {
        const s = await actions.readState(signal);
        flag = { enabled: s.enabled, constants: s.constants };
      } catch (e) {
        return this.record({ ...evaluated, decision: 'nothing', reason: `did nothing because the flag could not be read: ${(e as Error).message}`, details: { failingKinds: failing } });
      }
    }
    const current = flag?.constants ?? DEFAULT_BACKOFF_CONSTANTS;
    const since = new Date(nowMs - Math.max(HOUR_MS, guard.cooldownMs));
    const recent = await this.audit.appliedSince(actions.ref.flag, 'guard:', since);
    const lastMs = recent.length ? Date.parse(recent[0].createdAt) : null;
    const lastHour = recent.filter((r) => Date.parse(r.createdAt) > nowMs - HOUR_MS).length;
    let recommendation: BackoffRecommendation | null = null;
    if (failing.length > 0) {
      recommendation = recommendBackoff(report, {
        service: target.services?.length === 1 ? target.services[0] : undefined,
        current,
        bounds: actionsSettings(this.options.config).bounds,
        series,
        aim: guard.tune.aim,
      });
      if (!flag?.constants) recommendation.rationale.unshift(`Assuming the default constants ${JSON.stringify(current)} (${flag ? 'the flag carries none' : 'Unleash is not configured'}).`);
    }
    const d = decide({
      policy: guard,
      nowMs,
      failingKinds: failing,
      consecutive,
      flagEnabled: flag?.enabled ?? true,
      lastGuardActionMs: lastMs,
      guardActionsLastHour: lastHour,
      tunesThisEpisode: episode.tunesThisEpisode,
      recommendation,
    });
    const details = {
      failingKinds: failing,
      flag,
      recommendation: recommendation && { action: recommendation.action, constants: recommendation.constants, rationale: recommendation.rationale },
    };
    if (!d.act) return this.record({ ...evaluated, decision: 'nothing', reason: d.reason, details });
    const ctx = { actor: `guard:${this.id}`, reason: d.reason, analysisId: analysis.analysisId, dryRun: guard.dryRun, signal };
    try {
      const rec = d.step === 'tune' ? await actions.tune(d.constants!, ctx) : await actions.killSwitch(ctx);
      const decision = rec.status === 'applied' ? 'acted' : rec.status === 'dry_run' ? 'dry_run' : 'nothing';
      const reason = rec.status === 'applied' ? d.reason : rec.status === 'dry_run' ? `dry run (${rec.message}): ${d.reason}` : `did nothing because the flag already is in that state: ${d.reason}`;
      return this.record({ ...evaluated, decision, step: d.step, actionId: rec.id, reason, details });
    } catch (e) {
      const msg = isAppError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
      const actionId = isAppError(e) && typeof e.details?.actionId === 'number' ? e.details.actionId : null;
      return this.record({ ...evaluated, decision: 'nothing', step: d.step, actionId, reason: `tried to ${d.step === 'tune' ? 'tune' : 'switch off'} but failed: ${msg}`, details });
    }
  }

  /** One pass over every target (the caller holds leadership). */
  async evaluate(signal?: AbortSignal): Promise<GuardDecision[]> {
    const out: GuardDecision[] = [];
    for (const t of this.options.guard.targets) {
      if (signal?.aborted) break;
      out.push(await this.evaluateTarget(t, signal));
    }
    return out;
  }

  private standby(reason: string): Promise<GuardDecision[]> {
    return Promise.all(this.options.guard.targets.map((t) => this.record({ target: t.name, evaluation: 'standby', decision: 'nothing', step: null, reason, consecutive: 0, actionId: null, analysisId: null, verdict: null, details: null })));
  }

  /** One pass under the lock: a replica that cannot take it records standby decisions instead. */
  async runOnce(signal?: AbortSignal): Promise<GuardDecision[]> {
    return this.lead(async () => this.evaluate(signal), () => this.standby('did nothing because another replica holds the guard lock (standby)'));
  }

  /**
   * Runs `whileLeading` holding the lock (a dedicated session on PostgreSQL), or `otherwise` when another
   * replica holds it.
   */
  private async lead<T>(whileLeading: (check: () => Promise<void>) => Promise<T>, otherwise: () => Promise<T>): Promise<T> {
    const { sql, guard } = this.options;
    if (sql.kind === 'pglite') {
      const owner = pgliteLeaders.get(sql);
      if (owner && owner !== this.id) return otherwise();
      pgliteLeaders.set(sql, this.id);
      try {
        return await whileLeading(async () => undefined);
      } finally {
        pgliteLeaders.delete(sql);
      }
    }
    return sql.session(async (conn) => {
      const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [guard.lockKey]);
      if (!rows[0]?.ok) return otherwise();
      try {
        // A dead lock connection means the lock is gone: the check fails and the leader steps down.
        return await whileLeading(async () => void (await conn.query('SELECT 1')));
      } finally {
        await conn.query('SELECT pg_advisory_unlock($1)', [guard.lockKey]).catch(() => undefined);
      }
    });
  }

  /** Evaluates every interval until stopped; the leader keeps the lock between evaluations. */
  start(): GuardHandle {
    const controller = new AbortController();
    const { signal } = controller;
    const interval = this.options.guard.intervalMs;
    const loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.lead(
            async (check) => {
              while (!signal.aborted) {
                await check();
                await this.evaluate(signal);
                await sleep(interval, signal);
              }
            },
            async () => void (await this.standby('did nothing because another replica holds the guard lock (standby)')),
          );
        } catch (e) {
          this.say(`guard ${this.id}: ${(e as Error).message}; retrying in ${interval} ms`);
        }
        await sleep(interval, signal);
      }
    })();
    return {
      id: this.id,
      stop: async () => {
        controller.abort();
        await loop;
      },
    };
  }
}

export interface StartGuardOptions {
  config: Config;
  sql: SqlClient;
  store?: ReportStore;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** How to run an analysis; the service passes its worker pool so the guard never blocks the event loop. */
  analyze?: (request: AnalysisRequest, signal?: AbortSignal) => Promise<AnalysisResult>;
}

/**
 * For `aftershock serve`: starts the guard when the guard file says `enabled: true`, else returns null.
 * Throws AppError('BAD_INPUT') for an invalid guard file or Unleash section.
 */
export function startGuardInService(options: StartGuardOptions): GuardHandle | null {
  const guard = loadGuardConfig({ configured: actionsSettings(options.config).guardFile, env: options.env });
  if (!guard.enabled) return null;
  const actions = createActionService(options.config, options.sql, options.env);
  const g = new SlaGuard({ config: options.config, guard, sql: options.sql, actions, store: options.store, log: options.log, analyze: options.analyze });
  options.log?.(`guard ${g.id}: every ${guard.intervalMs} ms, ${guard.dryRun || !actions.configured ? 'dry run' : 'acting'}${actions.configured ? '' : ' (Unleash is not configured)'}, targets ${guard.targets.map((t) => t.name).join(', ')}`);
  return g.start();
}

