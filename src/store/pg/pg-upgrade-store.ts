/**
 * UpgradeStore over any SqlClient (PGlite or PostgreSQL), tables of migration 0300. Reads of an upgrade's
 * analyses, actions and decisions join the tables of the other roles, so the page needs one query each.
 */
import { randomUUID } from 'node:crypto';
import type { Expectation } from '../../analysis/expectations.ts';
import { parseTimestamp } from '../../duration.ts';
import { AppError } from '../../errors.ts';
import type { ActionRecord } from '../audit-log.ts';
import type { GuardDecision } from '../guard-log.ts';
import type { AnalysisSummary } from '../report-store.ts';
import type { NewUpgrade, NewUpgradeChange, UpgradeChange, UpgradeLinkKind, UpgradePage, UpgradeRecord, UpgradeStatus, UpgradeStore, ChangeKind, UpgradeOrigin } from '../upgrade-store.ts';
import { fromRow as actionFromRow, isoOf } from './pg-audit-log.ts';
import { fromRow as decisionFromRow } from './pg-guard-log.ts';
import { SUMMARY_COLUMNS, toSummary } from './pg-report-store.ts';
import type { SqlClient } from './sql-client.ts';

export const DEFAULT_UPGRADE_PAGE = 50;
export const MAX_UPGRADE_PAGE = 200;
const UNIQUE_VIOLATION = '23505';

interface Row {
  id: string;
  name: string;
  upgrade_at: Date | string;
  services: string[];
  source: string;
  before_window: string | null;
  flags: string[];
  expectations: Expectation[];
  notes: string;
  status: UpgradeStatus;
  origin: UpgradeOrigin;
  version: string | null;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
}

interface ChangeRow {
  id: string | number;
  upgrade_id: string;
  kind: ChangeKind;
  description: string;
  undo: string;
  ref: string | null;
  recorded_by: string;
  created_at: Date | string;
  done_at: Date | string | null;
  done_by: string | null;
}

function fromRow(r: Row): UpgradeRecord {
  return {
    id: r.id,
    name: r.name,
    upgradeAt: isoOf(r.upgrade_at),
    services: r.services ?? [],
    source: r.source,
    before: r.before_window,
    flags: r.flags ?? [],
    expectations: r.expectations ?? [],
    notes: r.notes,
    status: r.status,
    origin: r.origin,
    version: r.version,
    createdBy: r.created_by,
    createdAt: isoOf(r.created_at),
    updatedAt: isoOf(r.updated_at),
  };
}

function changeFromRow(r: ChangeRow): UpgradeChange {
  return {
    id: Number(r.id),
    upgradeId: r.upgrade_id,
    kind: r.kind,
    description: r.description,
    undo: r.undo,
    ref: r.ref,
    recordedBy: r.recorded_by,
    createdAt: isoOf(r.created_at),
    doneAt: r.done_at === null ? null : isoOf(r.done_at),
    doneBy: r.done_by,
  };
}

/** Opaque to clients: base64url of [upgradeAt, id] of the last item of a page. */
function encodeCursor(u: UpgradeRecord): string {
  return Buffer.from(JSON.stringify([u.upgradeAt, u.id]), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { upgradeAt: Date; id: string } {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[\w-]{1,100}$/.test(v[1])) {
      const upgradeAt = new Date(v[0]);
      if (Number.isFinite(upgradeAt.getTime()) && upgradeAt.toISOString() === v[0]) return { upgradeAt, id: v[1] };
    }
  } catch {
    // fall through
  }
  throw new AppError('BAD_INPUT', 'cursor: not a cursor returned by this API (pass nextCursor from the previous page unchanged)');
}

export class PgUpgradeStore implements UpgradeStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(input: NewUpgrade): Promise<UpgradeRecord> {
    const now = input.now ?? this.clock();
    const at = new Date(parseTimestamp(input.upgradeAt, 'upgradeAt'));
    try {
      const { rows } = await this.sql.query<Row>(
        `INSERT INTO upgrades (id, name, upgrade_at, services, source, before_window, flags, expectations, notes, status, origin, version, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4::text[], $5, $6, $7::text[], $8::jsonb, $9, 'active', $10, $11, $12, $13, $13) RETURNING *`,
        [randomUUID(), input.name, at, input.services, input.source, input.before ?? null, input.flags ?? [], JSON.stringify(input.expectations ?? []), input.notes ?? '', input.origin ?? 'manual', input.version ?? null, input.createdBy, now],
      );
      return fromRow(rows[0]);
    } catch (e) {
      if ((e as { code?: string }).code === UNIQUE_VIOLATION) throw new AppError('CONFLICT', `an upgrade named "${input.name}" already exists`, { cause: e });
      throw e;
    }
  }

  async get(idOrName: string): Promise<UpgradeRecord | null> {
    const { rows } = await this.sql.query<Row>('SELECT * FROM upgrades WHERE id = $1 OR name = $1 ORDER BY (id = $1) DESC LIMIT 1', [idOrName]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async list(query: { limit?: number; cursor?: string } = {}): Promise<UpgradePage> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? DEFAULT_UPGRADE_PAGE)), MAX_UPGRADE_PAGE);
    const params: unknown[] = [];
    let where = '';
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      params.push(c.upgradeAt, c.id);
      where = 'WHERE (upgrade_at, id) < ($1::timestamptz, $2::text)';
    }
    params.push(limit + 1);
    const { rows } = await this.sql.query<Row>(`SELECT * FROM upgrades ${where} ORDER BY upgrade_at DESC, id DESC LIMIT $${params.length}`, params);
    const items = rows.slice(0, limit).map(fromRow);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  async setStatus(id: string, status: UpgradeStatus): Promise<void> {
    await this.sql.query('UPDATE upgrades SET status = $2, updated_at = $3 WHERE id = $1', [id, status, this.clock()]);
  }

  async link(upgradeId: string, kind: UpgradeLinkKind, ref: number): Promise<void> {
    await this.sql.query('INSERT INTO upgrade_links (upgrade_id, kind, ref, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [upgradeId, kind, ref, this.clock()]);
  }

  async analyses(upgradeId: string): Promise<AnalysisSummary[]> {
    const { rows } = await this.sql.query<Parameters<typeof toSummary>[0]>(
      `SELECT ${SUMMARY_COLUMNS} FROM analyses WHERE request->>'upgradeId' = $1 ORDER BY created_at, id`,
      [upgradeId],
    );
    return rows.map(toSummary);
  }

  async actions(upgradeId: string): Promise<ActionRecord[]> {
    const { rows } = await this.sql.query<Parameters<typeof actionFromRow>[0]>(
      `SELECT a.* FROM flag_actions a JOIN upgrade_links l ON l.kind = 'action' AND l.ref = a.id WHERE l.upgrade_id = $1 ORDER BY a.id`,
      [upgradeId],
    );
    return rows.map(actionFromRow);
  }

  async decisions(upgradeId: string, limit = DEFAULT_UPGRADE_PAGE): Promise<GuardDecision[]> {
    const { rows } = await this.sql.query<Parameters<typeof decisionFromRow>[0]>(
      `SELECT d.* FROM guard_decisions d JOIN upgrade_links l ON l.kind = 'guard_decision' AND l.ref = d.id WHERE l.upgrade_id = $1 ORDER BY d.id DESC LIMIT $2`,
      [upgradeId, Math.min(Math.max(1, limit), MAX_UPGRADE_PAGE)],
    );
    return rows.map(decisionFromRow);
  }

  async recordChange(c: NewUpgradeChange): Promise<UpgradeChange> {
    const { rows } = await this.sql.query<ChangeRow>(
      `INSERT INTO upgrade_changes (upgrade_id, kind, description, undo, ref, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [c.upgradeId, c.kind, c.description, c.undo ?? '', c.ref ?? null, c.recordedBy, c.now ?? this.clock()],
    );
    return changeFromRow(rows[0]);
  }

  async changes(upgradeId: string): Promise<UpgradeChange[]> {
    const { rows } = await this.sql.query<ChangeRow>('SELECT * FROM upgrade_changes WHERE upgrade_id = $1 ORDER BY id', [upgradeId]);
    return rows.map(changeFromRow);
  }

  async markChangeDone(upgradeId: string, changeId: number, by: string): Promise<boolean> {
    const { rows } = await this.sql.query<{ id: string }>(
      'UPDATE upgrade_changes SET done_at = $3, done_by = $4 WHERE upgrade_id = $1 AND id = $2 AND done_at IS NULL RETURNING id',
      [upgradeId, changeId, this.clock(), by],
    );
    return rows.length === 1;
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number | string }>('SELECT count(*)::integer AS n FROM upgrades');
    return Number(rows[0].n);
  }
}
