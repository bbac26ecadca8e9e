/**
 * Whether an InfluxDB 1.x `/query` response held the whole answer. A body can end cleanly at a JSON-line
 * boundary (a clean chunked end, or a close after a full line) and still be cut short, so parsing alone proves
 * nothing. The 1.x protocol does tell: every statement of the request gets results tagged with its
 * `statement_id`; in chunked mode every chunk but the last of a statement carries `"partial": true`, and every
 * chunk but the last of one series carries `"partial": true` on that series. A non-chunked answer truncated by
 * the server (`max-row-limit`) carries `"partial": true` too. So: complete = one final (non-partial) result per
 * statement sent, and no series left open.
 */

export interface V1Series {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values?: unknown[][];
  partial?: boolean;
}

export interface V1Result {
  statement_id?: number;
  series?: V1Series[];
  error?: string;
  partial?: boolean;
}

export class V1ResponseCompleteness {
  /** statement id → whether its latest result chunk said more was to come. */
  private readonly partialByStatement = new Map<number, boolean>();
  private readonly openSeries = new Map<string, string>();

  constructor(private readonly statements: number) {}

  onResult(r: V1Result): void {
    const id = r.statement_id ?? 0;
    this.partialByStatement.set(id, r.partial === true);
    for (const s of r.series ?? []) {
      // Keyed per chunk, not per row: the cost is one small string per series per chunk.
      const key = `${id}\u0000${s.name ?? ''}\u0000${tagKey(s.tags)}`;
      if (s.partial === true) this.openSeries.set(key, describeSeries(id, s));
      else this.openSeries.delete(key);
    }
  }

  /** null when the response was complete; otherwise what was missing, for the error message. */
  missing(): string | null {
    const problems: string[] = [];
    const absent: number[] = [];
    const unfinished: number[] = [];
    for (let i = 0; i < this.statements; i++) {
      const p = this.partialByStatement.get(i);
      if (p === undefined) absent.push(i);
      else if (p) unfinished.push(i);
    }
    if (absent.length > 0) problems.push(`no result for statement${absent.length > 1 ? 's' : ''} ${list(absent)} of ${this.statements}`);
    if (unfinished.length > 0) problems.push(`the last chunk of statement${unfinished.length > 1 ? 's' : ''} ${list(unfinished)} said "partial": true`);
    if (this.openSeries.size > 0) problems.push(`series ${list([...this.openSeries.values()])} ended with "partial": true`);
    return problems.length > 0 ? problems.join('; ') : null;
  }
}

/**
 * The tags of a series in a fixed order: influxd's JSON writer sorts a map's keys, its MessagePack writer sends them
 * in Go's random map order, so two chunks of one series can list its tags differently.
 */
export function tagKey(tags: Record<string, string> | undefined): string {
  if (!tags) return '';
  return Object.keys(tags)
    .sort()
    .map((k) => `${k}\u0001${tags[k]}`)
    .join('\u0000');
}

function describeSeries(statement: number, s: V1Series): string {
  const tags = Object.entries(s.tags ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${s.name ?? '?'}${tags ? `{${tags}}` : ''} (statement ${statement})`;
}

function list(items: Array<string | number>): string {
  return items.length <= 5 ? items.join(', ') : `${items.slice(0, 5).join(', ')} and ${items.length - 5} more`;
}
