/**
 * `GuardLog`: one record per guard target per evaluation ("acted", "dry run" or "did nothing because …"),
 * so why the guard did (not) act is always answerable. Implemented over SQL by `pg/pg-guard-log.ts`.
 */
import type { GuardStep } from '../actions/guard-policy.ts';

export type Evaluation = 'failing' | 'passing' | 'error' | 'standby';
export type DecisionKind = 'acted' | 'dry_run' | 'nothing';

export interface GuardDecision {
  id: number;
  createdAt: string;
  guardId: string;
  target: string;
  evaluation: Evaluation;
  decision: DecisionKind;
  step: GuardStep | null;
  reason: string;
  consecutive: number;
  actionId: number | null;
  analysisId: string | null;
  verdict: string | null;
  details: Record<string, unknown> | null;
}

export type NewGuardDecision = Omit<GuardDecision, 'id' | 'createdAt'> & { createdAt: Date };

export interface EpisodeState {
  /** Failing evaluations in a row before this one (since the last pass or guard action). */
  failingInARow: number;
  /** Tunes the guard applied since the last passing evaluation. */
  tunesThisEpisode: number;
}

export interface GuardDecisionQuery {
  limit?: number;
  before?: number;
  target?: string;
}

export interface GuardLog {
  insert(d: NewGuardDecision): Promise<GuardDecision>;
  /** Newest first, `limit` rows with id below `before`. */
  list(query?: GuardDecisionQuery): Promise<{ items: GuardDecision[]; nextBefore: number | null }>;
  /**
   * The target's recent history newest first: failing evaluations count until a pass or a guard action
   * (which restarts hysteresis); applied tunes count until a pass.
   */
  episode(target: string, horizon?: number): Promise<EpisodeState>;
}
