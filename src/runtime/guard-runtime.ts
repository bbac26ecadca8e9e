/**
 * Wires the SLA guard from a runtime: its decisions, audit and locks from the store, its actions from the
 * runtime's action service, and its analyses as tracked jobs (in the worker pool inside the service,
 * in-process for `aftershock guard`). The same wiring for the CLI guard and the guard inside `serve`.
 */
import type { ActionService } from '../actions/action-service.ts';
import { actionsSettings } from '../actions/actions-config.ts';
import { loadGuardConfig, type GuardConfig } from '../actions/guard-config.ts';
import { SlaGuard, type GuardHandle } from '../actions/guard.ts';
import type { Runtime } from './open-runtime.ts';

export interface CreateGuardOptions {
  id?: string;
  log?: (message: string) => void;
  /** Another action service than the runtime's (tests aim the guard at their own flag). */
  actions?: ActionService;
  /** Record each evaluation's analysis in the store (default true); false keeps no analysis records. */
  track?: boolean;
}

export function createGuard(rt: Runtime, guard: GuardConfig, options: CreateGuardOptions = {}): SlaGuard {
  const { store } = rt;
  const track = options.track ?? true;
  let guardId = options.id;
  const g = new SlaGuard({
    guard,
    actions: options.actions ?? rt.actions,
    guardLog: store.guardLog,
    audit: store.audit,
    locks: store.locks,
    id: options.id,
    log: options.log,
    onDecision: (d) => rt.events.emit('guard.decision', d),
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
