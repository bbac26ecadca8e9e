/**
 * Guard decisions (table `guard_decisions`, migration 0100) over any SqlClient: one row per target per
 * evaluation, so "why did the guard (not) act" is always answerable.
 */
import type { SqlClient } from './sql-client.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../audit-log.ts';
import { isoOf } from './pg-audit-log.ts';
import type { DecisionKind, EpisodeState, Evaluation, GuardDecision, GuardDecisionQuery, GuardLog, NewGuardDecision } from '../guard-log.ts';
import type { GuardStep } from '../../actions/guard-policy.ts';

interface Row {
  id: string | number;
  created_at: Date | string;
  guard_id: string;
  target: string;
  evaluation: Evaluation;
  decision: DecisionKind;
  step: GuardStep | null;
  reason: string;
  consecutive: number;
  action_id: string | number | null;
  analysis_id: string | null;
  verdict: string | null;
  details: Record<string, unknown> | null;
}

/** A `guard_decisions` row as a decision (also read by the upgrade store's join). */
export function fromRow(r: Row): GuardDecision {
  return {
    id: Number(r.id),
    createdAt: isoOf(r.created_at),
    guardId: r.guard_id,
    target: r.target,
    evaluation: r.evaluation,
    decision: r.decision,
    step: r.step,
    reason: r.reason,
    consecutive: Number(r.consecutive),
    actionId: r.action_id === null ? null : Number(r.action_id),
    analysisId: r.analysis_id,
    verdict: r.verdict,
    details: r.details,
  };
}

export class PgGuardLog implements GuardLog {
  constructor(private readonly sql: SqlClient) {}

  async insert(d: NewGuardDecision): Promise<GuardDecision> {
    const { rows } = await this.sql.query<Row>(
      `INSERT INTO guard_decisions (created_at, guard_id, target, evaluation, decision, step, reason, consecutive, action_id, analysis_id, verdict, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb) RETURNING *`,
      [d.createdAt.toISOString(), d.guardId, d.target, d.evaluation, d.decision, d.step, d.reason, d.consecutive, d.actionId, d.analysisId, d.verdict, d.details === null ? null : JSON.stringify(d.details)],
    );
    return fromRow(rows[0]);
  }

  async list(query: GuardDecisionQuery = {}): Promise<{ items: GuardDecision[]; nextBefore: number | null }> {
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.before !== undefined) where.push(`id < $${params.push(query.before)}`);
    if (query.target !== undefined) where.push(`target = $${params.push(query.target)}`);
    const { rows } = await this.sql.query<Row>(
      `SELECT * FROM guard_decisions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    const items = rows.slice(0, limit).map(fromRow);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }

  /**
   * Reads the target's recent history newest first: failing evaluations count until a pass or a guard
   * action (which restarts hysteresis); applied tunes count until a pass. Errors and standby rows are
   * neither failing nor passing and are skipped.
   */
  async episode(target: string, horizon = 200): Promise<EpisodeState> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM guard_decisions WHERE target = $1 ORDER BY id DESC LIMIT $2', [target, horizon]);
    let failingInARow = 0;
    let countingFailures = true;
    let tunesThisEpisode = 0;
    for (const r of rows.map(fromRow)) {
      if (r.evaluation === 'passing') break;
      if (r.evaluation !== 'failing') continue;
      if (r.decision === 'acted') {
        countingFailures = false;
        if (r.step === 'tune') tunesThisEpisode++;
        continue;
      }
      if (countingFailures) failingInARow++;
    }
    return { failingInARow, tunesThisEpisode };
  }
}
