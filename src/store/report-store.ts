/**
 * `ReportStore`: persistence of analyses (request, status, progress, report, chart series, error).
 * One implementation (`PgReportStore`) runs over any `SqlClient`, so the embedded PGlite store and the
 * PostgreSQL store are the same code and pass the same test suite.
 */
import type { Report, ReportSeries, Verdict } from '../analysis/types.ts';
import type { AnalysisRequest } from '../runtime/analysis-request.ts';

export const ANALYSIS_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

export interface AnalysisRecord {
  id: string;
  status: AnalysisStatus;
  /** Fraction in [0, 1]; 1 when done. */
  progress: number;
  request: AnalysisRequest;
  report: Report | null;
  series: ReportSeries | null;
  error: string | null;
  /** RFC 3339 (millisecond precision). */
  createdAt: string;
  updatedAt: string;
}

/** A list entry: everything but the (large) report body and series. */
export interface AnalysisSummary {
  id: string;
  status: AnalysisStatus;
  progress: number;
  request: AnalysisRequest;
  verdict: Verdict | null;
  summary: string | null;
  /** Services covered by the report (or requested, while it runs). */
  services: string[];
  error: string | null;
  createdAt: string;
  updatedAt: string;
  /** Who runs it: a process (`host:pid:…`) or the guard (`guard:<id>`). */
  owner?: string;
}

export interface ListQuery {
  /** Page size, 1…100. */
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string;
  service?: string;
  verdict?: Verdict;
  status?: AnalysisStatus;
  /** Only analyses whose upgrade time lies in [upgradeFrom, upgradeTo) (epoch ms). */
  upgradeFrom?: number;
  upgradeTo?: number;
}

export interface ListPage {
  items: AnalysisSummary[];
  /** Cursor for the next (older) page, null on the last page. */
  nextCursor: string | null;
}

/**
 * The newest finished analysis that covered a service, with that service's findings: what an SLA guard polls.
 * The service's own verdict is derived from `findings` and `settings` by the runtime (runtime/service-verdict.ts),
 * with the report's rule; the store only reads.
 */
export interface ServiceVerdict {
  service: string;
  analysisId: string;
  /** Verdict of that analysis as a whole (the report's verdict). */
  verdict: Verdict;
  upgradeAt: string;
  createdAt: string;
  /** Findings of that service with status `regression`. */
  regressions: Report['findings'];
  /** Every finding of that service. */
  findings: Report['findings'];
  /** The report's decision settings (the verdict rule needs its FDR level). */
  settings: Report['settings'];
  /** Incidents of that service (short bursts; they make its verdict warn). */
  incidents?: NonNullable<Report['incidents']>;
  /** The report's window coverage (a partly empty window makes a clean verdict warn). */
  windowCoverage?: Report['windowCoverage'];
}

export interface CreateAnalysisInput {
  request: AnalysisRequest;
  /** Which process runs it (for recovery across replicas). */
  owner: string;
  /** Clock injected so tests can order records deterministically. */
  now?: Date;
}

export interface RecoverOptions {
  reason: string;
  /** Only analyses whose heartbeat is older than this many ms (0 = all unfinished ones). */
  staleMs: number;
  /** Only analyses owned by this process (graceful shutdown); all owners when absent. */
  owner?: string;
}

export interface ReportStore {
  create(input: CreateAnalysisInput): Promise<AnalysisRecord>;
  get(id: string): Promise<AnalysisRecord | null>;
  list(query: ListQuery): Promise<ListPage>;
  markRunning(id: string): Promise<void>;
  /** Stores progress and refreshes the heartbeat; ignored once the analysis is finished. */
  setProgress(id: string, progress: number): Promise<void>;
  /** Refreshes the heartbeat of every unfinished analysis of `owner`. */
  heartbeat(owner: string): Promise<void>;
  complete(id: string, result: { report: Report; series: ReportSeries }): Promise<void>;
  fail(id: string, error: string): Promise<void>;
  /** Marks interrupted (queued/running) analyses failed; returns how many. */
  failInterrupted(options: RecoverOptions): Promise<number>;
  latestVerdict(service: string): Promise<ServiceVerdict | null>;
  /**
   * The stored HTML page of a finished analysis, when one drawn by the renderer `key` is there (null otherwise:
   * unknown id, not finished, never drawn, or drawn by other code).
   */
  renderedPage(id: string, key: string): Promise<string | null>;
  /** Stores the page drawn by renderer `key`; ignored unless the analysis is finished (a page shows a final report). */
  saveRenderedPage(id: string, key: string, html: string): Promise<void>;
  /** Number of analyses in the store (for the first-start demo). */
  count(): Promise<number>;
  /** Cheap reachability check for /readyz. */
  ping(): Promise<void>;
}
