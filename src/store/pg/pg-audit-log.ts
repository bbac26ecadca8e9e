/**
 * The audit log of flag actions (the `AuditLog` of ../audit-log.ts) (table `flag_actions`, migration 0100) over any SqlClient (PGlite or
 * PostgreSQL). Rows are append-only except `reverted_by_id`, set once when a revert succeeds, and an unknown
 * `after_state` of a failed action, filled in once when it is read back later.
 */
import type { SqlClient } from './sql-client.ts';
import type { DiffEntry, FlagSnapshot } from '../../actions/backoff-constants.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type ActionKind, type ActionListQuery, type ActionMode, type ActionPage, type ActionRecord, type ActionStatus, type AuditLog, type NewActionRecord } from '../audit-log.ts';

interface Row {
  id: string | number;
  created_at: Date | string;
  kind: ActionKind;
  status: ActionStatus;
  dry_run: boolean;
  mode: ActionMode;
  actor: string;
  reason: string;
  analysis_id: string | null;
  project: string;
  environment: string;
  flag: string;
  before_state: FlagSnapshot | null;
  target_state: FlagSnapshot | null;
  after_state: FlagSnapshot | null;
  diff: DiffEntry[];
  reverts_id: string | number | null;
  reverted_by_id: string | number | null;
  message: string;
  error: string | null;
}

const num = (v: string | number | null): number | null => (v === null ? null : Number(v));
export const isoOf = (v: Date | string): string => (v instanceof Date ? v : new Date(v)).toISOString();

/** A `flag_actions` row as a record (also read by the upgrade store's join). */
export function fromRow(r: Row): ActionRecord {
  return {
    id: Number(r.id),
    createdAt: isoOf(r.created_at),
    kind: r.kind,
    status: r.status,
    dryRun: r.dry_run,
    mode: r.mode,
    actor: r.actor,
    reason: r.reason,
    analysisId: r.analysis_id,
    project: r.project,
    environment: r.environment,
    flag: r.flag,
    before: r.before_state,
    target: r.target_state,
    after: r.after_state,
    diff: r.diff,
    revertsId: num(r.reverts_id),
    revertedById: num(r.reverted_by_id),
    message: r.message,
    error: r.error,
  };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export class PgAuditLog implements AuditLog {
  constructor(private readonly sql: SqlClient) {}

  async insert(rec: NewActionRecord): Promise<ActionRecord> {
    const { rows } = await this.sql.query<Row>(
      `INSERT INTO flag_actions (created_at, kind, status, dry_run, mode, actor, reason, analysis_id, project, environment, flag,
         before_state, target_state, after_state, diff, reverts_id, message, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13::jsonb, $14::jsonb, $15::jsonb, $16, $17, $18)
       RETURNING *`,
      [
        (rec.createdAt ?? new Date()).toISOString(),
        rec.kind,
        rec.status,
        rec.dryRun,
        rec.mode,
        rec.actor,
        rec.reason,
        rec.analysisId,
        rec.project,
        rec.environment,
        rec.flag,
        json(rec.before),
        json(rec.target),
        json(rec.after),
        JSON.stringify(rec.diff),
        rec.revertsId,
        rec.message,
        rec.error,
      ],
    );
    return fromRow(rows[0]);
  }

  async get(id: number): Promise<ActionRecord | null> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM flag_actions WHERE id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Marks `id` reverted by `byId` unless already marked; false when someone else got there first. */
  async markReverted(id: number, byId: number): Promise<boolean> {
    const { rows } = await this.sql.query<{ id: string }>(
      'UPDATE flag_actions SET reverted_by_id = $2 WHERE id = $1 AND reverted_by_id IS NULL RETURNING id',
      [id, byId],
    );
    return rows.length === 1;
  }

  async recordAfter(id: number, after: FlagSnapshot, note: string): Promise<ActionRecord | null> {
    const { rows } = await this.sql.query<Row>(
      `UPDATE flag_actions SET after_state = $2::jsonb, message = message || ' ' || $3 WHERE id = $1 AND after_state IS NULL RETURNING *`,
      [id, JSON.stringify(after), note],
    );
    return rows[0] ? fromRow(rows[0]) : this.get(id);
  }

  /** Newest first, `limit` rows with id below `before`. */
  async list(query: ActionListQuery = {}): Promise<ActionPage> {
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.before !== undefined) where.push(`id < $${params.push(query.before)}`);
    if (query.flag !== undefined) where.push(`flag = $${params.push(query.flag)}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    const { rows } = await this.sql.query<Row>(
      `SELECT * FROM flag_actions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    const items = rows.slice(0, limit).map(fromRow);
    return { items, nextBefore: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** Applied actions on `flag` by actors starting with `actorPrefix` since `since`, newest first. */
  async appliedSince(flag: string, actorPrefix: string, since: Date): Promise<ActionRecord[]> {
    const { rows } = await this.sql.query<Row>(
      `SELECT * FROM flag_actions WHERE flag = $1 AND status = 'applied' AND starts_with(actor, $2) AND created_at >= $3 ORDER BY id DESC`,
      [flag, actorPrefix, since.toISOString()],
    );
    return rows.map(fromRow);
  }
}
