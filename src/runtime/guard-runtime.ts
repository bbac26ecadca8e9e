/**
 * Wires the SLA guard from a runtime: its decisions, audit and locks from the store, its actions from the
 * runtime's action service, and its analyses as tracked jobs (in the worker pool inside the service,
 * in-process for `aftershock guard`). The same wiring for the CLI guard and the guard inside `serve`.
 */
import type { ActionService } from '../actions/action-service.ts';
import { actionsSettings } from '../actions/actions-config.ts';
import { loadGuardConfig, type GuardConfig } from '../actions/guard-config.ts';
import { SlaGuard, type GuardHandle } from '../actions/guard.ts';
import type { GuardTarget } from '../actions/guard-config.ts';
import type { GuardLog } from '../store/guard-log.ts';
import type { Runtime } from './open-runtime.ts';

export interface CreateGuardOptions {
  id?: string;
  log?: (message: string) => void;
  /** Another action service than the runtime's (tests aim the guard at their own flag). */
  actions?: ActionService;
  /** Record each evaluation's analysis in the store (default true); false keeps no analysis records. */
  track?: boolean;
  /** The guard's clock (tests). */
  now?: () => Date;
}

/**
 * A target naming an upgrade gets the upgrade's time, services (unless the target narrows them), source, id and
 * expectations; `upgradeOf` remembers which upgrade each target evaluated, for linking its decisions.
 */
function upgradeResolver(rt: Runtime, upgradeOf: Map<string, string>) {
  return async (t: GuardTarget): Promise<GuardTarget> => {
    if (!t.upgrade) return t;
    const u = await rt.upgrades.get(t.upgrade);
    upgradeOf.set(t.name, u.id);
    return {
      ...t,
      upgradeAt: u.upgradeAt,
      source: t.source ?? u.source,
      services: t.services?.length ? t.services : u.services.length ? u.services : undefined,
      before: t.before ?? u.before ?? rt.upgrades.settings.before,
      upgradeId: u.id,
      expectations: u.expectations,
    };
  };
}

/** The guard log, with each decision on a target that names an upgrade linked to that upgrade. */
function linkingGuardLog(rt: Runtime, base: GuardLog, upgradeOf: Map<string, string>): GuardLog {
  return {
    insert: async (d) => {
      const rec = await base.insert(d);
      const upgradeId = upgradeOf.get(d.target);
      if (upgradeId) await rt.store.upgrades.link(upgradeId, 'guard_decision', rec.id);
      return rec;
    },
    list: (q) => base.list(q),
    episode: (target, horizon) => base.episode(target, horizon),
  };
}

export function createGuard(rt: Runtime, guard: GuardConfig, options: CreateGuardOptions = {}): SlaGuard {
  const { store } = rt;
  const track = options.track ?? true;
  let guardId = options.id;
  const upgradeOf = new Map<string, string>();
  const g = new SlaGuard({
    guard,
    actions: options.actions ?? rt.actions,
    guardLog: linkingGuardLog(rt, store.guardLog, upgradeOf),
    resolveTarget: upgradeResolver(rt, upgradeOf),
    audit: store.audit,
    locks: store.locks,
    id: options.id,
    log: options.log,
    onDecision: (d) => rt.events.emit('guard.decision', d),
    now: options.now,
    analyze: async (request, signal) =>
      track ? rt.analyzeTracked(request, `guard:${guardId}`, signal) : { result: await rt.analyze(request, { signal }), analysisId: null },
  });
  guardId = g.id;
  return g;
}

/**
 * For `aftershock serve`: starts the guard when the guard file (actions.guardFile, or AFTERSHOCK_GUARD_FILE)
 * says `enabled: true`, else returns null. AppError('BAD_INPUT') for an invalid guard file.
 */
export function startGuard(rt: Runtime, options: { log?: (message: string) => void } = {}): GuardHandle | null {
  const guard = loadGuardConfig({ configured: actionsSettings(rt.config).guardFile, env: rt.env });
  if (!guard.enabled) return null;
  const g = createGuard(rt, guard, { log: options.log });
  const { actions } = rt;
  options.log?.(`guard ${g.id}: every ${guard.intervalMs} ms, ${guard.dryRun || !actions.configured ? 'dry run' : 'acting'}${actions.configured ? '' : ' (Unleash is not configured)'}, targets ${guard.targets.map((t) => t.name).join(', ')}`);
  return g.start();
}
