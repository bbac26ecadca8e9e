/**
 * The SLA guard: re-analyses each configured target every interval, decides with guard-policy.ts and acts
 * through the ActionService (dry run unless the policy says otherwise). Only one replica acts: on
 * PostgreSQL the leader holds an advisory lock on a dedicated session for as long as it runs; the others
 * record "standby" and retry every interval. When the leader's session drops (a PostgreSQL restart, a
 * failover, an idle timeout), the lock is gone: the leader stops its evaluation, records the loss, and tries to
 * lead again after an interval on a new connection. The embedded PGlite store is one process, i.e. one replica.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { sequentialLook, type SequentialLook } from '../analysis/sequential.ts';
import type { AnalysisResult, FindingKind } from '../analysis/types.ts';
import { isAppError } from '../errors.ts';
import { sleep } from '../net/sleep.ts';
import type { AnalysisRequest } from '../runtime/analysis-request.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { GuardDecision, GuardLog, NewGuardDecision } from '../store/guard-log.ts';
import { isLeadershipLost, type Locks } from '../store/locks.ts';
import type { ActionService } from './action-service.ts';
import type { FlagSnapshot } from './backoff-constants.ts';
import type { GuardConfig, GuardTarget } from './guard-config.ts';
import { decide, failingKinds } from './guard-policy.ts';
import type { BackoffRecommendation } from './recommend-backoff.ts';
import type { FlagState } from './flag-actions.ts';

/** Waits between evaluations; a stop (abort) ends the wait early, and the loop then sees the signal. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, signal).catch(() => undefined);

const HOUR_MS = 3_600_000;
/** Recorded decisions searched for the previous look (errors and standbys in between carry none). */
const LOOK_HISTORY = 50;

/** What the decision log keeps of a look (JSON: an e-value past 1e308 is stored as null). */
function sequentialDetails(s: SequentialLook, upgradeAt: string): Record<string, unknown> {
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  const best = s.best && { kind: s.best.kind, service: s.best.service, subject: s.best.subject, statistic: s.best.statistic, eValue: finite(s.best.eValue), logEValue: s.best.logEValue, estimate: s.best.estimate, variance: s.best.variance };
  return { upgradeAt, look: s.look, alpha: s.settings.alpha, tau: s.settings.tau, maxLooks: s.settings.maxLooks, watched: s.watched, threshold: s.threshold, crossed: s.crossed.length > 0, horizonReached: s.horizonReached, best };
}
/** The after window of a target without `after` never shrinks below this (the upgrade just happened). */
const MIN_AFTER_MS = 60_000;

export interface GuardOptions {
  guard: GuardConfig;
  actions: ActionService;
  /** Where decisions are recorded and read back (hysteresis, episodes). */
  guardLog: GuardLog;
  /** The guard's own applied actions (cooldown, hourly cap). */
  audit: AuditLog;
  /** Leadership across replicas. */
  locks: Locks;
  /**
   * Runs one analysis of a target; `analysisId` is the stored job when the runtime tracks it (null otherwise).
   * The runtime supplies it (in-process, or the service's worker pool).
   */
  analyze: (request: AnalysisRequest, signal?: AbortSignal) => Promise<{ result: AnalysisResult; analysisId: string | null }>;
  id?: string;
  now?: () => Date;
  log?: (message: string) => void;
  /** Called with every recorded decision (the runtime turns it into an event, e.g. for notifications); must not block. */
  onDecision?: (decision: GuardDecision) => void;
  /**
   * Completes a target before each evaluation: one naming an `upgrade` gets that upgrade's time, services, source,
   * id and expectations (the runtime supplies it; it throws when the upgrade does not exist).
   */
  resolveTarget?: (target: GuardTarget) => Promise<GuardTarget>;
}

export interface GuardHandle {
  readonly id: string;
  /** Stops after the current evaluation and releases the lock. */
  stop(): Promise<void>;
}

export class SlaGuard {
  readonly id: string;
  private readonly log: GuardLog;
  private readonly now: () => Date;
  private readonly say: (message: string) => void;

  constructor(private readonly options: GuardOptions) {
    this.id = options.id ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.log = options.guardLog;
    this.now = options.now ?? (() => new Date());
    this.say = options.log ?? (() => undefined);
  }

  get decisions(): GuardLog {
    return this.log;
  }

  private requestFor(t: GuardTarget, nowMs: number): AnalysisRequest {
    // Resolved targets always have both (guard-config.ts requires them unless an upgrade supplies them).
    const upgradeAt = t.upgradeAt!;
    const upgradeMs = Date.parse(upgradeAt);
    const after = t.after ?? `${Math.max(MIN_AFTER_MS, Math.floor((nowMs - upgradeMs) / 1000) * 1000)}ms`;
    const request: AnalysisRequest = { source: t.source!, upgradeAt, before: t.before, after, services: t.services, endpoints: t.endpoints };
    if (t.upgradeId) request.upgradeId = t.upgradeId;
    if (t.allowFuture) request.allowFuture = true;
    if (t.deadline) request.deadline = t.deadline;
    // The baseline travels with the request and is resolved once in runAnalysis; with a cohort baseline the
    // findings, and so the policy's decision and the recommendation, are about the flag-on cohort.
    for (const k of ['baseline', 'period', 'periods', 'variancePeriods', 'periodVariance', 'cohortTag', 'control'] as const) if (t[k] !== undefined) Object.assign(request, { [k]: t[k] });
    if (t.expectations?.length) request.expectations = t.expectations;
    return request;
  }

  private async record(d: Omit<NewGuardDecision, 'guardId' | 'createdAt'>): Promise<GuardDecision> {
    const rec = await this.log.insert({ ...d, guardId: this.id, createdAt: this.now() });
    this.say(`guard ${this.id} ${d.target}: ${d.evaluation}, ${d.decision}${d.step ? ` (${d.step})` : ''}: ${d.reason}`);
    try {
      this.options.onDecision?.(rec);
    } catch (e) {
      // A listener's failure is not the guard's: the decision is recorded and the loop goes on.
      this.say(`guard ${this.id}: the decision listener failed: ${(e as Error).message}`);
    }
    return rec;
  }

  /** One evaluation of one target (the caller holds leadership). */
  async evaluateTarget(configured: GuardTarget, signal?: AbortSignal): Promise<GuardDecision> {
    const { guard, actions } = this.options;
    const nowMs = this.now().getTime();
    const base = { target: configured.name, step: null, actionId: null, consecutive: 0, analysisId: null, verdict: null, details: null };
    let target: GuardTarget;
    try {
      target = this.options.resolveTarget ? await this.options.resolveTarget(configured) : configured;
    } catch (e) {
      return this.record({ ...base, evaluation: 'error', decision: 'nothing', reason: `did nothing because the target could not be resolved: ${(e as Error).message}` });
    }
    let analysis: { result: AnalysisResult; analysisId: string | null };
    try {
      analysis = await this.options.analyze(this.requestFor(target, nowMs), signal);
    } catch (e) {
      // Cut short because the lock went with the session: that is recorded as the loss, not as a failed analysis.
      if (isLeadershipLost(signal?.reason)) throw signal.reason;
      return this.record({ ...base, evaluation: 'error', decision: 'nothing', reason: `did nothing because the analysis failed: ${(e as Error).message}` });
    }
    const { report, series } = analysis.result;
    const kinds = [...new Set<FindingKind>([...guard.tune.when, ...guard.killSwitch.when])];
    const failing = failingKinds(report, target.services, kinds);
    const sequential = guard.sequential
      ? sequentialLook(report, { kinds, services: target.services, look: await this.lookNumber(target), settings: guard.sequential })
      : null;
    const episode = await this.log.episode(target.name);
    const consecutive = failing.length > 0 ? episode.failingInARow + 1 : 0;
    const evaluated = { ...base, evaluation: failing.length > 0 ? ('failing' as const) : ('passing' as const), consecutive, analysisId: analysis.analysisId, verdict: report.verdict };

    let state: FlagState | null = null;
    if (actions.configured) {
      try {
        state = await actions.readState(signal);
      } catch (e) {
        return this.record({ ...evaluated, decision: 'nothing', reason: `did nothing because the flag could not be read: ${(e as Error).message}`, details: { failingKinds: failing } });
      }
    }
    const flag: FlagSnapshot | null = state && { enabled: state.enabled, constants: state.constants };
    const since = new Date(nowMs - Math.max(HOUR_MS, guard.cooldownMs));
    const recent = await this.options.audit.appliedSince(actions.ref.flag, 'guard:', since);
    const lastMs = recent.length ? Date.parse(recent[0].createdAt) : null;
    const lastHour = recent.filter((r) => Date.parse(r.createdAt) > nowMs - HOUR_MS).length;
    let recommendation: BackoffRecommendation | null = null;
    if (failing.length > 0) {
      recommendation = await actions.recommend(report, {
        service: target.services?.length === 1 ? target.services[0] : undefined,
        series,
        aim: guard.tune.aim,
        state: state ?? undefined,
        signal,
      });
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
      sequential,
    });
    const details = {
      failingKinds: failing,
      ...(sequential ? { sequential: sequentialDetails(sequential, target.upgradeAt!) } : {}),
      flag,
      recommendation: recommendation && { action: recommendation.action, constants: recommendation.constants, rationale: recommendation.rationale },
    };
    if (!d.act) return this.record({ ...evaluated, decision: 'nothing', reason: d.reason, details });
    const ctx = { actor: `guard:${this.id}`, reason: d.reason, analysisId: analysis.analysisId, upgradeId: target.upgradeId ?? null, dryRun: guard.dryRun, signal };
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

  /**
   * This evaluation's look number for the sequential test: one more than the last recorded look of the same upgrade
   * (a target re-pointed at another upgrade time starts a new test at look 1).
   */
  private async lookNumber(target: GuardTarget): Promise<number> {
    const { items } = await this.log.list({ target: target.name, limit: LOOK_HISTORY });
    for (const d of items) {
      const s = d.details?.sequential as { upgradeAt?: string; look?: number } | undefined;
      if (s && typeof s.look === 'number') return s.upgradeAt === target.upgradeAt ? s.look + 1 : 1;
    }
    return 1;
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

  /** One decision per target saying leadership was lost; the store may be down too, so failing here is only logged. */
  private async recordLoss(why: string, retryMs: number): Promise<void> {
    const reason = `did nothing: ${why}; stepped down, and will try to lead again in ${retryMs} ms on a new connection`;
    try {
      for (const t of this.options.guard.targets) {
        await this.record({ target: t.name, evaluation: 'error', decision: 'nothing', step: null, reason, consecutive: 0, actionId: null, analysisId: null, verdict: null, details: null });
      }
    } catch (e) {
      this.say(`guard ${this.id}: could not record the lost lock: ${(e as Error).message}`);
    }
  }

  /** One pass under the lock: a replica that cannot take it records standby decisions instead. */
  async runOnce(signal?: AbortSignal): Promise<GuardDecision[]> {
    return this.lead(async () => this.evaluate(signal), () => this.standby('did nothing because another replica holds the guard lock (standby)'));
  }

  private lead<T>(whileLeading: (check: () => Promise<void>, lost: AbortSignal) => Promise<T>, otherwise: () => Promise<T>): Promise<T> {
    return this.options.locks.lead(this.options.guard.lockKey, this.id, whileLeading, otherwise);
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
            async (check, lost) => {
              // Stopped, or no longer the leader: either ends the evaluation under way.
              const leading = AbortSignal.any([signal, lost]);
              while (!signal.aborted) {
                await check();
                await this.evaluate(leading);
                await pause(interval, leading);
              }
            },
            async () => void (await this.standby('did nothing because another replica holds the guard lock (standby)')),
          );
        } catch (e) {
          if (isLeadershipLost(e)) await this.recordLoss(e.message, interval);
          this.say(`guard ${this.id}: ${(e as Error).message}; retrying in ${interval} ms`);
        }
        await pause(interval, signal);
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
