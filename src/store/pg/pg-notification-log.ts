/**
 * Notification state over any SqlClient (tables `service_verdicts`, `notification_deliveries`,
 * `notification_attempts`, migration 0200). Claims use `FOR UPDATE SKIP LOCKED` with a lease, so replicas
 * sharing one PostgreSQL deliver each row once at a time and a crashed owner's rows are taken over when its
 * lease runs out.
 */
import type { Verdict } from '../../analysis/types.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../audit-log.ts';
import type {
  ClaimOptions,
  Delivery,
  DeliveryAttempt,
  DeliveryQuery,
  DeliveryStatus,
  NewDelivery,
  NotificationLog,
  TargetKind,
  VerdictObservation,
  VerdictTransition,
} from '../notification-log.ts';
import { isoOf } from './pg-audit-log.ts';
import type { SqlClient } from './sql-client.ts';

/** Longest error text kept per attempt (a receiver's error page can be large). */
const MAX_ERROR_CHARS = 2000;

interface DeliveryRow {
  id: string | number;
  created_at: Date | string;
  event_id: string;
  event_type: string;
  target: string;
  kind: TargetKind;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | string;
  last_status_code: number | null;
  last_error: string | null;
  finished_at: Date | string | null;
}

interface AttemptRow {
  delivery_id: string | number;
  attempt: number;
  started_at: Date | string;
  duration_ms: number;
  ok: boolean;
  status_code: number | null;
  error: string | null;
}

function fromRow(r: DeliveryRow): Delivery {
  return {
    id: Number(r.id),
    createdAt: isoOf(r.created_at),
    eventId: r.event_id,
    eventType: r.event_type,
    target: r.target,
    kind: r.kind,
    payload: r.payload,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: isoOf(r.next_attempt_at),
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    finishedAt: r.finished_at === null ? null : isoOf(r.finished_at),
  };
}

function attemptOf(r: AttemptRow): DeliveryAttempt {
  return {
    attempt: Number(r.attempt),
    startedAt: isoOf(r.started_at),
    durationMs: Number(r.duration_ms),
    ok: r.ok,
    statusCode: r.status_code === null ? null : Number(r.status_code),
    error: r.error,
  };
}

export class PgNotificationLog implements NotificationLog {
  constructor(private readonly sql: SqlClient) {}

  recordVerdict(o: VerdictObservation): Promise<VerdictTransition> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ verdict: Verdict; upgrade_at: Date | string }>('SELECT verdict, upgrade_at FROM service_verdicts WHERE service = $1 FOR UPDATE', [o.service]);
      const old = rows[0];
      // The latest verdict of a service is that of its latest upgrade (as GET /v1/verdict orders them).
      if (old && Date.parse(isoOf(old.upgrade_at)) > Date.parse(o.upgradeAt)) return { previous: old.verdict, stale: true };
      await tx.query(
        `INSERT INTO service_verdicts (service, verdict, analysis_id, upgrade_at, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (service) DO UPDATE SET verdict = EXCLUDED.verdict, analysis_id = EXCLUDED.analysis_id, upgrade_at = EXCLUDED.upgrade_at, updated_at = EXCLUDED.updated_at`,
        [o.service, o.verdict, o.analysisId, o.upgradeAt, o.now.toISOString()],
      );
      return { previous: old?.verdict ?? null, stale: false };
    });
  }

  async enqueue(deliveries: NewDelivery[]): Promise<number> {
    let added = 0;
    for (const d of deliveries) {
      const { rows } = await this.sql.query(
        `INSERT INTO notification_deliveries (created_at, event_id, event_type, target, kind, payload, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $1) ON CONFLICT (event_id, target) DO NOTHING RETURNING id`,
        [d.now.toISOString(), d.eventId, d.eventType, d.target, d.kind, d.payload],
      );
      added += rows.length;
    }
    return added;
  }

  async claim(o: ClaimOptions): Promise<Delivery[]> {
    const now = o.now.toISOString();
    const { rows } = await this.sql.query<DeliveryRow>(
      `UPDATE notification_deliveries SET locked_by = $1, locked_until = $2
       WHERE id IN (
         SELECT id FROM notification_deliveries
         WHERE status = 'pending' AND next_attempt_at <= $3 AND (locked_until IS NULL OR locked_until < $3)
         ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [o.owner, new Date(o.now.getTime() + o.leaseMs).toISOString(), now, o.limit],
    );
    return rows.map(fromRow).sort((a, b) => a.id - b.id);
  }

  async recordAttempt(id: number, a: DeliveryAttempt): Promise<void> {
    const error = a.error === null ? null : a.error.slice(0, MAX_ERROR_CHARS);
    await this.sql.transaction(async (tx) => {
      await tx.query('INSERT INTO notification_attempts (delivery_id, attempt, started_at, duration_ms, ok, status_code, error) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        id,
        a.attempt,
        a.startedAt,
        Math.round(a.durationMs),
        a.ok,
        a.statusCode,
        error,
      ]);
      await tx.query('UPDATE notification_deliveries SET attempts = GREATEST(attempts, $2), last_status_code = $3, last_error = $4 WHERE id = $1', [id, a.attempt, a.statusCode, error]);
    });
  }

  async finish(id: number, outcome: { status: 'delivered' | 'failed'; now: Date } | { status: 'pending'; nextAttemptAt: Date }): Promise<void> {
    if (outcome.status === 'pending') {
      await this.sql.query('UPDATE notification_deliveries SET next_attempt_at = $2, locked_by = NULL, locked_until = NULL WHERE id = $1', [id, outcome.nextAttemptAt.toISOString()]);
      return;
    }
    await this.sql.query('UPDATE notification_deliveries SET status = $2, finished_at = $3, locked_by = NULL, locked_until = NULL WHERE id = $1', [id, outcome.status, outcome.now.toISOString()]);
  }

  async release(owner: string): Promise<void> {
    await this.sql.query("UPDATE notification_deliveries SET locked_by = NULL, locked_until = NULL WHERE locked_by = $1 AND status = 'pending'", [owner]);
  }

  async list(query: DeliveryQuery = {}): Promise<{ items: Array<Delivery & { history: DeliveryAttempt[] }>; nextBefore: number | null }> {
    const limit = Math.min(Math.max(1, query.limit ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE);
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.before !== undefined) where.push(`id < $${params.push(query.before)}`);
    if (query.status !== undefined) where.push(`status = $${params.push(query.status)}`);
    if (query.target !== undefined) where.push(`target = $${params.push(query.target)}`);
    const { rows } = await this.sql.query<DeliveryRow>(
      `SELECT * FROM notification_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit + 1}`,
      params,
    );
    const page = rows.slice(0, limit).map(fromRow);
    const history = new Map<number, DeliveryAttempt[]>(page.map((d) => [d.id, []]));
    if (page.length > 0) {
      const attempts = await this.sql.query<AttemptRow>('SELECT * FROM notification_attempts WHERE delivery_id = ANY($1::bigint[]) ORDER BY delivery_id, attempt, id', [page.map((d) => d.id)]);
      for (const r of attempts.rows) history.get(Number(r.delivery_id))?.push(attemptOf(r));
    }
    return { items: page.map((d) => ({ ...d, history: history.get(d.id) ?? [] })), nextBefore: rows.length > limit ? page[page.length - 1].id : null };
  }
}
