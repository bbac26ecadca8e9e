/**
 * ReportStore over any SqlClient (PGlite or PostgreSQL): one implementation, one test suite for both.
 * Times are stored from the JavaScript clock at millisecond precision so that the pagination cursor
 * (createdAt, id) round-trips exactly.
 */
import { randomUUID } from 'node:crypto';
import type { Finding, Report, ReportSeries, Verdict } from '../../analysis/types.ts';
import { parseTimestamp } from '../../duration.ts';
import { AppError } from '../../errors.ts';
import type { AnalysisRequest } from '../../runtime/analysis-request.ts';
import type {
  AnalysisRecord,
  AnalysisStatus,
  AnalysisSummary,
  CreateAnalysisInput,
  ListPage,
  ListQuery,
  RecoverOptions,
  ReportStore,
  ServiceVerdict,
} from '../report-store.ts';
import type { SqlClient } from './sql-client.ts';

export const MAX_PAGE_SIZE = 100;

interface Row {
  id: string;
  status: AnalysisStatus;
  progress: number;
  request: AnalysisRequest;
  /** JSON text (migration 0002). */
  report?: string | null;
  series?: string | null;
  verdict: Verdict | null;
  summary?: string | null;
  services: string[];
  error: string | null;
  upgrade_at: Date;
  created_at: Date;
  updated_at: Date;
  owner?: string;
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

function toRecord(r: Row): AnalysisRecord {
  return {
    id: r.id,
    status: r.status,
    progress: Number(r.progress),
    request: r.request,
    report: r.report ? (JSON.parse(r.report) as Report) : null,
    series: r.series ? (JSON.parse(r.series) as ReportSeries) : null,
    error: r.error,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** A list row as a summary (also read by the upgrade store). */
export function toSummary(r: Row): AnalysisSummary {
  return {
    id: r.id,
    status: r.status,
    progress: Number(r.progress),
    request: r.request,
    verdict: r.verdict,
    summary: r.summary ?? null,
    services: r.services ?? [],
    error: r.error,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    ...(r.owner !== undefined ? { owner: r.owner } : {}),
  };
}

/** Opaque to clients: base64url of [createdAt, id] of the last item of a page. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url');
}

const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const CURSOR_ID = /^[\w-]{1,100}$/;

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      // Only what encodeCursor writes: a 4-digit-year ISO time that round-trips and an id of our id alphabet.
      // A tampered cursor with a year PostgreSQL cannot hold or a NUL in the id would otherwise be a 500.
      if (CURSOR_TIME.test(value[0]) && Number.isFinite(createdAt.getTime()) && createdAt.toISOString() === value[0] && CURSOR_ID.test(value[1])) {
        return { createdAt, id: value[1] };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('BAD_INPUT', 'cursor: not a cursor returned by this API (pass nextCursor from the previous page unchanged)');
}

/** Services a report talks about: those of its findings plus any requested filter. */
function reportServices(report: Report, request: AnalysisRequest): string[] {
  return [...new Set([...(request.services ?? []), ...report.findings.map((f) => f.service)])].sort();
}

export const SUMMARY_COLUMNS = 'id, status, progress, request, verdict, summary, services, error, upgrade_at, created_at, updated_at, owner';
const UNFINISHED = "status IN ('queued', 'running')";

export class PgReportStore implements ReportStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async create(input: CreateAnalysisInput): Promise<AnalysisRecord> {
    const now = input.now ?? this.clock();
    const id = randomUUID();
    const upgradeAt = new Date(parseTimestamp(input.request.upgradeAt, 'upgradeAt'));
    const { rows } = await this.sql.query<Row>(
      `INSERT INTO analyses (id, status, progress, request, upgrade_at, services, owner, created_at, updated_at, heartbeat_at)
       VALUES ($1, 'queued', 0, $2::jsonb, $3, $4::text[], $5, $6, $6, $6)
       RETURNING id, status, progress, request, report, series, error, created_at, updated_at`,
      [id, JSON.stringify(input.request), upgradeAt, input.request.services ?? [], input.owner, now],
    );
    return toRecord(rows[0]);
  }

  async get(id: string): Promise<AnalysisRecord | null> {
    const { rows } = await this.sql.query<Row>(
      'SELECT id, status, progress, request, report, series, error, created_at, updated_at FROM analyses WHERE id = $1',
      [id],
    );
    return rows.length > 0 ? toRecord(rows[0]) : null;
  }

  async list(query: ListQuery): Promise<ListPage> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), MAX_PAGE_SIZE);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (query.service) where.push(`${param(query.service)}::text = ANY(services)`);
    if (query.verdict) where.push(`verdict = ${param(query.verdict)}`);
    if (query.status) where.push(`status = ${param(query.status)}`);
    if (query.upgradeFrom !== undefined) where.push(`upgrade_at >= ${param(new Date(query.upgradeFrom))}`);
    if (query.upgradeTo !== undefined) where.push(`upgrade_at < ${param(new Date(query.upgradeTo))}`);
    if (query.cursor) {
      const c = decodeCursor(query.cursor);
      where.push(`(created_at, id) < (${param(c.createdAt)}::timestamptz, ${param(c.id)}::text)`);
    }
    const { rows } = await this.sql.query<Row>(
      `SELECT ${SUMMARY_COLUMNS} FROM analyses ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const items = rows.slice(0, limit).map(toSummary);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  async markRunning(id: string): Promise<void> {
    await this.sql.query(
      `UPDATE analyses SET status = 'running', updated_at = $2, heartbeat_at = $2 WHERE id = $1 AND status = 'queued'`,
      [id, this.clock()],
    );
  }

  async setProgress(id: string, progress: number): Promise<void> {
    const p = Math.min(1, Math.max(0, Number.isFinite(progress) ? progress : 0));
    await this.sql.query(
      `UPDATE analyses SET progress = GREATEST(progress, $2), updated_at = $3, heartbeat_at = $3 WHERE id = $1 AND ${UNFINISHED}`,
      [id, p, this.clock()],
    );
  }

  async heartbeat(owner: string): Promise<void> {
    await this.sql.query(`UPDATE analyses SET heartbeat_at = $2 WHERE owner = $1 AND ${UNFINISHED}`, [owner, this.clock()]);
  }

  async complete(id: string, result: { report: Report; series: ReportSeries }): Promise<void> {
    const existing = await this.sql.query<{ request: AnalysisRequest }>('SELECT request FROM analyses WHERE id = $1', [id]);
    if (existing.rows.length === 0) throw new AppError('NOT_FOUND', `analysis ${id} does not exist`);
    const now = this.clock();
    await this.sql.query(
      `UPDATE analyses SET status = 'done', progress = 1, report = $2, series = $3, verdict = $4, summary = $5,
         services = $6::text[], error = NULL, updated_at = $7, heartbeat_at = $7,
         report_page = NULL, report_page_key = NULL
       WHERE id = $1 AND ${UNFINISHED}`,
      [
        id,
        JSON.stringify(result.report),
        JSON.stringify(result.series),
        result.report.verdict,
        result.report.summary,
        reportServices(result.report, existing.rows[0].request),
        now,
      ],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    const now = this.clock();
    await this.sql.query(
      `UPDATE analyses SET status = 'failed', error = $2, updated_at = $3, heartbeat_at = $3 WHERE id = $1 AND ${UNFINISHED}`,
      [id, error, now],
    );
  }

  async failInterrupted(options: RecoverOptions): Promise<number> {
    const now = this.clock();
    const params: unknown[] = [options.reason, now, new Date(now.getTime() - options.staleMs)];
    let ownerClause = '';
    if (options.owner !== undefined) {
      params.push(options.owner);
      ownerClause = 'AND owner = $4';
    }
    const { rows } = await this.sql.query<{ id: string }>(
      `UPDATE analyses SET status = 'failed', error = $1, updated_at = $2
       WHERE ${UNFINISHED} AND heartbeat_at <= $3 ${ownerClause} RETURNING id`,
      params,
    );
    return rows.length;
  }

  async latestVerdict(service: string): Promise<ServiceVerdict | null> {
    const { rows } = await this.sql.query<{ id: string; verdict: Verdict; report: string; upgrade_at: Date; created_at: Date }>(
      `SELECT id, verdict, report, upgrade_at, created_at FROM analyses
       WHERE status = 'done' AND $1::text = ANY(services)
       ORDER BY upgrade_at DESC, created_at DESC, id DESC LIMIT 1`,
      [service],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    const report = JSON.parse(r.report) as Report;
    const findings = (report.findings ?? []).filter((f: Finding) => f.service === service);
    return {
      service,
      analysisId: r.id,
      verdict: r.verdict,
      upgradeAt: iso(r.upgrade_at),
      createdAt: iso(r.created_at),
      regressions: findings.filter((f) => f.status === 'regression'),
      findings,
      settings: report.settings,
      incidents: (report.incidents ?? []).filter((i) => i.service === service),
      ...(report.windowCoverage ? { windowCoverage: report.windowCoverage } : {}),
    };
  }

  async renderedPage(id: string, key: string): Promise<string | null> {
    const { rows } = await this.sql.query<{ report_page: string }>(
      `SELECT report_page FROM analyses WHERE id = $1 AND status = 'done' AND report_page_key = $2 AND report_page IS NOT NULL`,
      [id, key],
    );
    return rows.length > 0 ? rows[0].report_page : null;
  }

  async saveRenderedPage(id: string, key: string, html: string): Promise<void> {
    await this.sql.query(`UPDATE analyses SET report_page = $3, report_page_key = $2 WHERE id = $1 AND status = 'done'`, [id, key, html]);
  }

  async count(): Promise<number> {
    const { rows } = await this.sql.query<{ n: number | string }>('SELECT count(*)::integer AS n FROM analyses');
    return Number(rows[0].n);
  }

  async ping(): Promise<void> {
    await this.sql.query('SELECT 1 AS ok', []);
  }
}
