/**
 * The runtime's small event hook: what happened (a stored analysis finished with its verdict, the guard recorded a
 * decision) for whoever wants to know — notifications today, upgrade pages later — without the job lifecycle or
 * the guard knowing who listens. Listeners run synchronously and must not block; one that throws is logged and
 * never breaks the emitter (an analysis is done whatever a listener does).
 */
import type { AnalysisResult } from '../analysis/types.ts';
import type { GuardDecision } from '../store/guard-log.ts';
import type { AnalysisRequest } from './analysis-request.ts';

export interface RuntimeEventMap {
  /** A stored analysis completed (after its result is in the store). */
  'analysis.done': { analysisId: string; request: AnalysisRequest; result: AnalysisResult };
  /** The guard recorded a decision (after it is in the guard log). */
  'guard.decision': GuardDecision;
}

export type RuntimeEventType = keyof RuntimeEventMap;

export class RuntimeEvents {
  private readonly listeners = new Map<RuntimeEventType, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (type: RuntimeEventType, error: unknown) => void = () => undefined) {}

  /** Subscribes; returns the unsubscribe function. */
  on<T extends RuntimeEventType>(type: T, listener: (payload: RuntimeEventMap[T]) => void): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<T extends RuntimeEventType>(type: T, payload: RuntimeEventMap[T]): void {
    for (const listener of this.listeners.get(type) ?? []) {
      try {
        (listener as (p: RuntimeEventMap[T]) => void)(payload);
      } catch (e) {
        this.onListenerError(type, e);
      }
    }
  }
}
