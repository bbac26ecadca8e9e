/**
 * The cleanup and rollback plan of an upgrade, run through the action service: the plan (actions/rollback-plan.ts)
 * from the linked actions and what Unleash shows now, a dry run by default (the first revert dry-run through
 * ActionService, audited; the chain behind it checked by the plan), and when applied, every revert in reverse
 * order — all or nothing: a failed step undoes the reverts before it (reverting the reverts), each audited.
 */
import type { ActionService } from '../actions/action-service.ts';
import type { FlagSnapshot } from '../actions/backoff-constants.ts';
import type { FlagReader } from '../actions/flag-reader.ts';
import { planRollback, type RollbackPlan } from '../actions/rollback-plan.ts';
import { AppError, isAppError } from '../errors.ts';
import type { ActionRecord, AuditLog } from '../store/audit-log.ts';
import type { UpgradeRecord, UpgradeStore } from '../store/upgrade-store.ts';
import { observeFlag } from './flag-expectations.ts';

export interface RollbackDeps {
  store: UpgradeStore;
  audit: AuditLog;
  actions: ActionService;
  flagReader: FlagReader | null;
}

export interface RollbackOutcome {
  upgrade: { id: string; name: string };
  dryRun: boolean;
  /** True when every automated step was applied. */
  applied: boolean;
  message: string;
  plan: RollbackPlan;
  /** Audit records this call made (the dry run of the first revert, or the applied reverts). */
  actions: ActionRecord[];
}

/** The plan with what Unleash shows now, plus which of the upgrade's flags Unleash marks stale. */
export async function planFor(deps: RollbackDeps, upgrade: UpgradeRecord, signal?: AbortSignal): Promise<RollbackPlan & { staleFlags: string[] }> {
  const linked = await deps.store.actions(upgrade.id);
  const byId = new Map(linked.map((a) => [a.id, a]));
  // Reverts made outside the upgrade (e.g. `aftershock flag revert`) still decide whether an action is in effect.
  for (const a of linked) {
    if (a.revertedById !== null && !byId.has(a.revertedById)) {
      const r = await deps.audit.get(a.revertedById);
      if (r) byId.set(r.id, r);
    }
  }
  let current: FlagSnapshot | null = null;
  let currentProblem: string | undefined;
  if (deps.actions.configured) {
    try {
      const s = await deps.actions.readState(signal);
      current = { enabled: s.enabled, constants: s.constants };
    } catch (e) {
      currentProblem = `the flag could not be read: ${(e as Error).message}`;
    }
  } else currentProblem = 'Unleash is not configured: the plan runs as a dry run only';
  const ref = deps.actions.ref;
  const toldFlags = [];
  const staleFlags: string[] = [];
  for (const flag of upgrade.flags) {
    const { observation, environment } = await observeFlag(deps.flagReader, { flag, project: ref.project, environment: ref.environment }, signal);
    if (observation.status === 'found' && observation.stale) staleFlags.push(flag);
    toldFlags.push({ flag, environment, observation });
  }
  const plan = planRollback({ upgradeName: upgrade.name, actions: [...byId.values()], ref, current, currentProblem, toldFlags, changes: await deps.store.changes(upgrade.id) });
  return { ...plan, staleFlags };
}

function stepsText(plan: RollbackPlan): string {
  return plan.steps.filter((s) => s.kind === 'revert').map((s) => `${s.order}. ${s.revert} (action ${s.actionId})`).join('; ');
}

export async function rollbackUpgrade(deps: RollbackDeps, upgrade: UpgradeRecord, ctx: { actor: string; reason: string; dryRun: boolean; signal?: AbortSignal }): Promise<RollbackOutcome> {
  const plan = await planFor(deps, upgrade, ctx.signal);
  const reverts = plan.steps.filter((s) => s.kind === 'revert' && s.actionId !== null);
  const manual = plan.manual > 0 ? `; ${plan.manual} step${plan.manual === 1 ? '' : 's'} for a person remain (checklist)` : '';
  const base = { upgrade: { id: upgrade.id, name: upgrade.name }, plan };
  const reason = `rollback of upgrade "${upgrade.name}"${ctx.reason ? `: ${ctx.reason}` : ''}`;
  const actx = { actor: ctx.actor, reason, upgradeId: upgrade.id, signal: ctx.signal };
  if (plan.blocked) {
    if (ctx.dryRun) return { ...base, dryRun: true, applied: false, message: `blocked: ${plan.blocked}${manual}`, actions: [] };
    throw new AppError('CONFLICT', `rollback of "${upgrade.name}" is blocked: ${plan.blocked}`, { details: { plan } });
  }
  if (reverts.length === 0) {
    return { ...base, dryRun: ctx.dryRun, applied: false, message: `nothing for aftershock to revert: it changed no flag for this upgrade${manual}`, actions: [] };
  }
  if (ctx.dryRun || !deps.actions.configured) {
    // The first revert is checked against the live flag (and audited as a dry run); the chain behind it by the plan.
    const first = await deps.actions.revert(reverts[0].actionId!, { ...actx, dryRun: true });
    const why = deps.actions.configured ? 'dry run' : 'Unleash is not configured, so this is a dry run';
    return { ...base, dryRun: true, applied: false, message: `${why}: would revert ${reverts.length} action${reverts.length === 1 ? '' : 's'} in this order: ${stepsText(plan)}${manual}; nothing was changed`, actions: [first] };
  }
  const done: ActionRecord[] = [];
  for (const step of reverts) {
    try {
      done.push(await deps.actions.revert(step.actionId!, { ...actx, dryRun: false }));
    } catch (e) {
      const failure = `step ${step.order} (revert of action ${step.actionId}) failed: ${(e as Error).message}`;
      const undone: ActionRecord[] = [];
      try {
        for (const rec of [...done].reverse()) {
          if (rec.status === 'applied') undone.push(await deps.actions.revert(rec.id, { ...actx, reason: `undo of the partial ${reason}`, dryRun: false }));
        }
      } catch (undoError) {
        throw new AppError('UPSTREAM', `rollback of "${upgrade.name}": ${failure}, and undoing the ${done.length} revert(s) before it failed too (${(undoError as Error).message}); the flag may be half rolled back — check \`aftershock upgrade show "${upgrade.name}"\``, {
          cause: e,
          details: { plan, applied: done.map((r) => r.id), undone: undone.map((r) => r.id) },
        });
      }
      throw new AppError(isAppError(e) ? e.code : 'UPSTREAM', `rollback of "${upgrade.name}": ${failure}; ${done.length ? `undid the ${done.length} revert(s) before it, so ` : ''}nothing was left half rolled back`, {
        cause: e,
        details: { plan, applied: done.map((r) => r.id), undone: undone.map((r) => r.id) },
      });
    }
  }
  await deps.store.setStatus(upgrade.id, 'rolled_back');
  return { ...base, dryRun: false, applied: true, message: `rolled back: reverted ${done.length} action${done.length === 1 ? '' : 's'} (${done.map((r) => r.id).join(', ')})${manual}`, actions: done };
}
