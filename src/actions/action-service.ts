/**
 * The one place flag actions are decided, applied and audited; the HTTP routes, the CLI and the SLA guard
 * all go through it so they share the same semantics:
 *  - dry run by default: the exact diff is returned and recorded, nothing is sent;
 *  - bounds checked before anything is sent (OUT_OF_BOUNDS, recorded as `refused`) on what an action puts into
 *    production — constants it writes, constants it switches the strategy on with. Switching off never depends
 *    on them, and undo and revert restore recorded state, in bounds or not;
 *  - idempotent: a change to the state the flag already has is a `noop`;
 *  - all-or-nothing: a change of both the constants and on/off is applied in the safe order (constants
 *    before switching on, switching off before constants) and a failed second step undoes the first;
 *  - revert restores exactly the recorded `before` state, and refuses (CONFLICT) if the flag changed since; a
 *    failed action can be reverted too: when Unleash could not be read after it failed, the revert reads the
 *    state it left, records it on the failed action, and restores the state from before;
 *  - with no Unleash configured, everything is a dry run and the message says so.
 */
import type { AnalysisRecord } from '../store/report-store.ts';
import type { Report, ReportSeries } from '../analysis/types.ts';
import { AppError, isAppError } from '../errors.ts';
import type { ActionKind, ActionListQuery, ActionPage, ActionRecord, ActionStatus, AuditLog, NewActionRecord } from '../store/audit-log.ts';
import type { Locks } from '../store/locks.ts';
import {
  assertWithinBounds,
  BACKOFF_FIELDS,
  backoffShapeProblem,
  diffSnapshots,
  formatDiff,
  sameConstants,
  sameSnapshot,
  type BackoffBounds,
  type BackoffConstants,
  type FlagSnapshot,
} from './backoff-constants.ts';
import type { FlagActions, FlagRef, FlagState } from './flag-actions.ts';
import { snapshotOf } from './flag-actions.ts';
import { recommendForFlag, type FlagRecommendation } from './flag-recommendation.ts';

export interface ActionContext {
  /** Who asks: token label, `cli:<user>`, `guard:<id>`. */
  actor: string;
  /** Why, in the asker's words. */
  reason: string;
  analysisId?: string | null;
  /** The upgrade the action is for; the runtime's action service links the recorded action to it (issue 15). */
  upgradeId?: string | null;
  /** Defaults to the service's `dryRunDefault` (true unless configured otherwise). */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface ActionServiceOptions {
  /** null: no Unleash configured (dry runs only). */
  flags: FlagActions | null;
  audit: AuditLog;
  ref: FlagRef;
  bounds: BackoffBounds;
  dryRunDefault: boolean;
  now?: () => Date;
  /**
   * Serialises actions on one flag across processes (replicas, CLI, guard): read → decide → write must not
   * interleave, or a record's `before` would be wrong and a revert could undo someone else's change.
   * Within a process actions are queued anyway.
   */
  locks?: Locks;
  /** Finds a stored analysis for `tuneFromReport({ analysisId })`. */
  findAnalysis?: (id: string) => Promise<AnalysisRecord | null>;
}

export interface RecommendFor {
  series?: ReportSeries;
  /** The service whose regression is acted on (default: the one with the worst tail regression). */
  service?: string;
  aim?: number;
  /** The flag state already read (saves a round trip). */
  state?: FlagState;
  signal?: AbortSignal;
}

/** Where the recommendation comes from: a report (with its chart series when known) or a stored analysis. */
export type TuneFrom = { report: Report; series?: ReportSeries } | { analysisId: string };

export const UNCONFIGURED_MESSAGE =
  'Unleash is not configured (set unleash.url and unleash.adminToken, or UNLEASH_URL and UNLEASH_ADMIN_TOKEN): dry run only, nothing was changed';

/** Why a change that was asked for was not made (HTTP `notApplied.reason`; the CLI exits with its own status). */
export const NOT_APPLIED_REASON = 'unleash_not_configured' as const;

/** The unmistakable sentence for a real change asked for (`--apply`, `dryRun: false`) that could not be made. */
export function notAppliedMessage(asked: string): string {
  return `NOT APPLIED: ${asked}, but Unleash is not configured (set unleash.url and unleash.adminToken, or UNLEASH_URL and UNLEASH_ADMIN_TOKEN); this was only a dry run and nothing was changed`;
}

type Step = { name: string; run: () => Promise<unknown>; undo: () => Promise<{ changed: boolean }> };
type TargetOf = (before: FlagState | null) => FlagSnapshot | Promise<FlagSnapshot>;

const UNKNOWN_STATE =
  'the state Unleash was left in is unknown (it could not be read back); once Unleash answers, revert this action (`aftershock flag revert <id>`, POST /v1/actions/<id>/revert): it reads the state back, records it here, and restores the state from before';

/** A state an action from `before` towards `target` can leave: each part (on/off, the whole payload) at one of the two. */
function couldHaveLeft(before: FlagSnapshot, target: FlagSnapshot, now: FlagSnapshot): boolean {
  const enabled = now.enabled === before.enabled || now.enabled === target.enabled;
  return enabled && (sameConstants(now.constants, before.constants) || sameConstants(now.constants, target.constants));
}

function describeSnapshot(s: FlagSnapshot): string {
  return `enabled ${s.enabled}, constants ${s.constants ? JSON.stringify(s.constants) : 'none'}`;
}

export class ActionService {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly now: () => Date;

  constructor(private readonly options: ActionServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get configured(): boolean {
    return this.options.flags !== null;
  }

  get ref(): FlagRef {
    return this.options.ref;
  }

  /** Whether an action without an explicit `dryRun` is a dry run (actions.dryRunDefault). */
  get dryRunDefault(): boolean {
    return this.options.dryRunDefault;
  }

  /** The configured bounds every change is checked against. */
  get bounds(): BackoffBounds {
    return this.options.bounds;
  }

  /** Current flag state; AppError('BAD_INPUT') explaining the dry-run mode when Unleash is not configured. */
  async readState(signal?: AbortSignal): Promise<FlagState> {
    if (!this.options.flags) throw new AppError('BAD_INPUT', `${UNCONFIGURED_MESSAGE}; there is no flag state to show`);
    return this.options.flags.readState(signal);
  }

  listActions(query: ActionListQuery): Promise<ActionPage> {
    return this.options.audit.list(query);
  }

  getAction(id: number): Promise<ActionRecord | null> {
    return this.options.audit.get(id);
  }

  /** Sets the backoff constants (fields not given keep their current values); `enable` also switches the flag on. */
  tune(constants: Partial<BackoffConstants>, ctx: ActionContext & { enable?: boolean }): Promise<ActionRecord> {
    return this.act('backoff_constants', ctx, (before) => {
      const merged = { ...(before?.constants ?? {}), ...constants } as BackoffConstants;
      const missing = BACKOFF_FIELDS.filter((f) => merged[f] === undefined);
      if (missing.length > 0) {
        // Only possible when there are no current constants to keep (a flag without a valid payload, or no Unleash).
        const why = before ? `flag "${before.flag}" carries no valid constants (${before.payloadProblem ?? 'no payload'})` : 'Unleash is not configured, so the current constants are unknown';
        throw new AppError('BAD_INPUT', `constants: no value for ${missing.join(', ')}: ${why}; give all of ${BACKOFF_FIELDS.join(', ')}`, { details: { missing } });
      }
      const problem = backoffShapeProblem(merged);
      if (problem) throw new AppError('BAD_INPUT', `constants: ${problem}`);
      return { enabled: ctx.enable ? true : (before?.enabled ?? true), constants: merged };
    });
  }

  /**
   * The recommendation for a report against the flag's current constants. With no Unleash configured, or a
   * flag that carries no valid constants, it is computed against the stated defaults and says so first.
   */
  recommend(report: Report, options: RecommendFor = {}): Promise<FlagRecommendation> {
    return recommendForFlag(report, { ...options, flags: this.options.flags, bounds: this.options.bounds });
  }

  /**
   * Tunes to the recommendation of a report (given, or a stored analysis by id): the one implementation behind
   * `POST /v1/actions/backoff-constants {analysisId}`, `aftershock flag tune --report/--analysis` and the guard.
   * CONFLICT when the report does not call for tuning, or when the live flag has no constants to tune from
   * (tuning from assumed defaults would overwrite a payload we cannot read; a dry run still shows the proposal).
   */
  async tuneFromReport(from: TuneFrom, ctx: ActionContext & { enable?: boolean; service?: string; aim?: number }): Promise<{ action: ActionRecord; recommendation: FlagRecommendation }> {
    let report: Report;
    let series: ReportSeries | undefined;
    if ('analysisId' in from) {
      const record = await this.options.findAnalysis?.(from.analysisId);
      if (!record?.report) throw new AppError('NOT_FOUND', `analysis ${from.analysisId} does not exist or has no report yet`);
      report = record.report;
      series = record.series ?? undefined;
    } else {
      report = from.report;
      series = from.series;
    }
    const state = this.options.flags ? await this.readState(ctx.signal) : null;
    const recommendation = await this.recommend(report, { series, service: ctx.service, aim: ctx.aim, state: state ?? undefined });
    const source = 'analysisId' in from ? `analysis ${from.analysisId}` : 'the report';
    if (recommendation.action !== 'tune' || !recommendation.constants) {
      throw new AppError('CONFLICT', `${source} does not call for tuning (recommendation: ${recommendation.action}): ${recommendation.rationale.at(-1) ?? ''}`, {
        details: { recommendation },
      });
    }
    const dryRun = ctx.dryRun ?? this.options.dryRunDefault;
    if (state && !state.constants && !dryRun) {
      throw new AppError('CONFLICT', `flag "${state.flag}" carries no valid constants to tune from (${state.payloadProblem ?? 'unknown'}); give all of ${BACKOFF_FIELDS.join(', ')} explicitly`, {
        details: { recommendation },
      });
    }
    const analysisId = ctx.analysisId ?? ('analysisId' in from ? from.analysisId : null);
    return { action: await this.tune(recommendation.constants, { ...ctx, analysisId }), recommendation };
  }

  /** Switches the new strategy off (clients fall back to the old one). */
  killSwitch(ctx: ActionContext): Promise<ActionRecord> {
    return this.act('kill_switch', ctx, (before) => ({ enabled: false, constants: before?.constants ?? null }));
  }

  enable(ctx: ActionContext): Promise<ActionRecord> {
    return this.act('enable', ctx, (before) => ({ enabled: true, constants: before?.constants ?? null }));
  }

  /**
   * Restores the state recorded before action `id`; CONFLICT if the flag changed since that action. A failed
   * action is revertible too (its steps may have landed). When the state it left is unknown (Unleash could not be
   * read back after it failed), the state read now is taken as that outcome — if it is one the action could have
   * left — and recorded on the failed action before the revert goes ahead.
   */
  async revert(id: number, ctx: ActionContext): Promise<ActionRecord> {
    const original = await this.options.audit.get(id);
    if (!original) throw new AppError('NOT_FOUND', `action ${id} does not exist`);
    return this.act(
      'revert',
      { ...ctx, reason: ctx.reason || `revert of action ${id}` },
      async (current) => {
        // Checked inside act() so that refusals land in the audit log like any other.
        const { before, target } = original;
        let after = original.after;
        const failed = original.status === 'failed' && before !== null && target !== null;
        if (!before || (original.status !== 'applied' && !failed) || (!after && !failed)) {
          throw new AppError('CONFLICT', `action ${id} was not applied (status ${original.status}); there is nothing to revert`);
        }
        if (original.revertedById !== null) throw new AppError('CONFLICT', `action ${id} was already reverted by action ${original.revertedById}`);
        if (after === null && current) {
          const now = snapshotOf(current);
          if (!couldHaveLeft(before, target!, now)) {
            throw new AppError('CONFLICT', `flag "${original.flag}" changed since action ${id} in a way it could not have left it (${formatDiff(diffSnapshots(before, now))} against the state before it, which is neither that state nor its target); refusing to revert over it`, {
              details: { before, target, current: now },
            });
          }
          after = (await this.options.audit.recordAfter(id, now, `Read back later: ${describeSnapshot(now)}.`))?.after ?? now;
        }
        if (current && after && !sameSnapshot(current, after)) {
          throw new AppError('CONFLICT', `flag "${original.flag}" changed since action ${id} (${formatDiff(diffSnapshots(after, current))}); refusing to revert over it`, {
            details: { expected: after, current: snapshotOf(current) },
          });
        }
        return before;
      },
      { revertsId: id },
    );
  }

  private act(kind: ActionKind, ctx: ActionContext, targetOf: TargetOf, extra: { revertsId?: number } = {}): Promise<ActionRecord> {
    // One action at a time per process: read → decide → write must not interleave with another action.
    const { locks, ref } = this.options;
    const now = () => this.actNow(kind, ctx, targetOf, extra);
    const key = `aftershock-flag:${ref.project}/${ref.environment}/${ref.flag}`;
    const run = this.queue.then(() => (locks && this.options.flags ? locks.withLock(key, now) : now()));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async actNow(kind: ActionKind, ctx: ActionContext, targetOf: TargetOf, extra: { revertsId?: number }): Promise<ActionRecord> {
    const { flags, ref } = this.options;
    const dryRun = ctx.dryRun ?? this.options.dryRunDefault;
    const base = {
      kind,
      dryRun: flags ? dryRun : true,
      mode: flags ? ('unleash' as const) : ('unconfigured' as const),
      actor: ctx.actor,
      reason: ctx.reason,
      analysisId: ctx.analysisId ?? null,
      ...ref,
      revertsId: extra.revertsId ?? null,
    };
    const record = (status: ActionStatus, fields: Partial<NewActionRecord>) =>
      this.options.audit.insert({ ...base, status, before: null, target: null, after: null, diff: [], message: '', error: null, createdAt: this.now(), ...fields });

    let before: FlagState | null = null;
    if (flags) {
      try {
        before = await flags.readState(ctx.signal);
      } catch (e) {
        const failed = await record('failed', { message: `could not read the flag, nothing was sent: ${(e as Error).message}`, error: (e as Error).message });
        throw new AppError(isAppError(e) ? e.code : 'UPSTREAM', (e as Error).message, { cause: e, details: { actionId: failed.id } });
      }
    }
    const beforeSnap = before ? snapshotOf(before) : null;
    let target: FlagSnapshot;
    try {
      target = await targetOf(before);
      this.checkBounds(kind, beforeSnap, target);
      if (beforeSnap?.constants && target.constants === null) {
        throw new AppError('CONFLICT', 'the target state has no constants but the flag carries some; removing the variant is not supported, edit it in Unleash');
      }
    } catch (e) {
      if (isAppError(e) && (e.code === 'OUT_OF_BOUNDS' || e.code === 'CONFLICT' || e.code === 'BAD_INPUT')) {
        await record('refused', { before: beforeSnap, message: `refused: ${e.message}`, error: e.message });
      }
      throw e;
    }
    const diff = diffSnapshots(beforeSnap, target);
    if (!flags) {
      const asked = dryRun ? '' : ' (a real change was asked for: NOT APPLIED)';
      return record('dry_run', { target, diff, message: `${UNCONFIGURED_MESSAGE}. Would apply: ${formatDiff(diff)}${asked}` });
    }
    if (diff.length === 0) return record('noop', { before: beforeSnap, target, after: beforeSnap, message: `flag "${ref.flag}" already is in the requested state; nothing sent` });
    if (dryRun) return record('dry_run', { before: beforeSnap, target, diff, message: `dry run: would apply ${formatDiff(diff)}; nothing was changed` });

    try {
      const after = await this.apply(flags, before!, target, { restore: kind === 'revert', signal: ctx.signal });
      const rec = await record('applied', { before: beforeSnap, target, after, diff, message: `applied ${formatDiff(diff)}${await this.servedNote(flags, after)}` });
      if (extra.revertsId !== undefined) await this.options.audit.markReverted(extra.revertsId, rec.id);
      return rec;
    } catch (e) {
      const err = e as Error;
      const now = await flags.readState().then(snapshotOf, () => null);
      const unknown = now === null ? `; ${UNKNOWN_STATE}` : '';
      const failed = await record('failed', { before: beforeSnap, target, after: now, diff, message: `${err.message}${unknown}`, error: err.message });
      // Same error, plus the audit record's id so callers (the guard) can point at it.
      const hint = now === null ? `; the state Unleash was left in is unknown: revert action ${failed.id} once Unleash answers (it reads the state back and restores the one from before)` : '';
      throw new AppError(isAppError(e) ? e.code : 'UPSTREAM', `${err.message}${hint}`, { cause: e, details: { actionId: failed.id } });
    }
  }

  /**
   * Bounds guard what an action puts into production: constants it writes, and constants it switches the new
   * strategy on with. The kill switch never depends on the constants it leaves behind, and a revert restores
   * recorded state, in bounds or not.
   */
  private checkBounds(kind: ActionKind, before: FlagSnapshot | null, target: FlagSnapshot): void {
    if (kind === 'revert' || !target.constants) return;
    const writes = !sameConstants(before?.constants ?? null, target.constants);
    const switchesOn = target.enabled && before?.enabled !== true;
    if (writes || switchesOn) assertWithinBounds(target.constants, this.options.bounds);
  }

  /** Part of the message saying whether SDK clients are being served the change yet. */
  private async servedNote(flags: FlagActions, after: FlagSnapshot): Promise<string> {
    if (!flags.waitUntilServed) return '';
    const check = await flags.waitUntilServed(after);
    if (check.served) return `; served to SDK clients after ${(check.afterMs / 1000).toFixed(1)} s (they pick it up within their refresh interval)`;
    return `; not confirmed as served to SDK clients: ${check.detail}`;
  }

  /**
   * Applies target over before in the safe order. When a step fails, every step — the failed one included,
   * since its write may have landed before the error (e.g. a lost verification read) — is undone, and the
   * result is read back: "nothing was left half-applied" is only said once Unleash shows the before state.
   */
  private async apply(flags: FlagActions, before: FlagState, target: FlagSnapshot, options: { restore: boolean; signal?: AbortSignal }): Promise<FlagSnapshot> {
    const { signal } = options;
    // Undo puts back what was there, and a revert what was recorded: neither is a new value the bounds judge.
    const restoreConstants = () =>
      before.constants
        ? flags.restoreBackoffConstants(before.constants)
        : Promise.reject(new AppError('CONFLICT', 'the flag carried no valid constants before, so there is nothing to restore them to'));
    const constantsStep: Step | null =
      target.constants && !sameConstants(before.constants, target.constants)
        ? {
            name: 'set constants',
            run: () => (options.restore ? flags.restoreBackoffConstants(target.constants!, signal) : flags.setBackoffConstants(target.constants!, signal)),
            undo: restoreConstants,
          }
        : null;
    const switchStep: Step | null =
      before.enabled !== target.enabled
        ? target.enabled
          ? { name: 'switch on', run: () => flags.enable(signal), undo: () => flags.disable() }
          : { name: 'switch off', run: () => flags.disable(signal), undo: () => flags.enable() }
        : null;
    // Switching on last and off first means clients never run the new strategy with half-written constants.
    const ordered = target.enabled ? [constantsStep, switchStep] : [switchStep, constantsStep];
    const steps = ordered.filter((s): s is Step => s !== null);
    const done: Step[] = [];
    for (const step of steps) {
      try {
        await step.run();
        done.push(step);
      } catch (e) {
        const undone: string[] = [];
        try {
          // Undo is idempotent (no request when already in the before state), so undoing the failed step is safe.
          for (const d of [step, ...done.reverse()]) if ((await d.undo()).changed) undone.push(d.name);
          const now = await flags.readState();
          if (!sameSnapshot(now, before)) throw new AppError('UPSTREAM', `after undoing, Unleash shows ${formatDiff(diffSnapshots(before, now))}`);
        } catch (undoError) {
          throw new AppError('UPSTREAM', `${step.name} failed (${(e as Error).message}) and undoing failed too (${(undoError as Error).message}); the flag may be half-changed — check it with \`aftershock flag show\``, { cause: e });
        }
        const msg = `${step.name} failed: ${(e as Error).message}; ${undone.length ? `undid ${undone.join(', ')}; ` : ''}Unleash shows the state from before, nothing was left half-applied`;
        throw new AppError(isAppError(e) ? e.code : 'UPSTREAM', msg, { cause: e });
      }
    }
    return snapshotOf(await flags.readState(signal));
  }
}
