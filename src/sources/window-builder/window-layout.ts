/**
 * Which window a point belongs to and which time block it falls in, for each baseline (issue 11). The builder
 * asks only `windowOf(time, cohort)` and `blockOf(window, time)`, so the routing stays in this one file:
 * - `before` (no baseline query): before/after by time, half-open ranges; blocks from each window's start.
 * - `seasonal`: "before" is the union of the K reference ranges (the after window moved back 1…K periods); its
 *   blocks are numbered reference by reference (reference k owns [k·b, (k + 1)·b)), so the analysis can treat
 *   each reference period as a cluster of blocks.
 * - `cohort`: both sides lie in the after window; the control value of the cohort tag is "before", every other
 *   value "after"; a point without the tag belongs to neither (counted as untagged).
 */
import type { BaselineLayout, TimeRange } from '../../analysis/types.ts';
import type { BaselineQuery } from '../metric-source.ts';
import { BlockGrid } from './block-grid.ts';

/** windowOf's answer for a point of a cohort window that carries no cohort tag (in neither window). */
export const UNTAGGED = -2;

export class WindowLayout {
  readonly blockMs: number;
  /** Tag the sources must read for each point (null: the cohort plays no part). */
  readonly cohortTag: string | null;
  private readonly before: TimeRange;
  private readonly after: TimeRange;
  private readonly references: TimeRange[] | null;
  private readonly control: string | null;
  private readonly grid: BlockGrid;
  private readonly perReference: number;
  private readonly treatments = new Set<string>();
  /** Points inside the after window without the cohort tag. */
  untagged = 0;

  constructor(before: TimeRange, after: TimeRange, askedBlockMs: number, private readonly query?: BaselineQuery) {
    this.before = before;
    this.after = after;
    this.references = query?.kind === 'seasonal' ? query.references : null;
    this.control = query?.kind === 'cohort' ? query.control : null;
    this.cohortTag = query?.kind === 'cohort' ? query.tag : null;
    // A seasonal reference has the after window's length: its blocks are laid out like the after window's.
    this.grid = this.references ? new BlockGrid(after, after, askedBlockMs) : new BlockGrid(before, after, askedBlockMs);
    this.blockMs = this.grid.blockMs;
    this.perReference = this.grid.count(1);
  }

  /** 0 = before (baseline), 1 = after (treatment), -1 = neither, UNTAGGED = in the cohort window without the tag. */
  windowOf(timeMs: number, cohort?: string): number {
    const { after } = this;
    if (this.control !== null) {
      if (!(timeMs >= after.start && timeMs < after.stop)) return -1;
      // Counted by the builder (countUntagged) only for points its filters keep: a --service filter must not
      // report other services' lines as untagged.
      if (cohort === undefined) return UNTAGGED;
      if (cohort === this.control) return 0;
      if (!this.treatments.has(cohort)) this.treatments.add(cohort);
      return 1;
    }
    if (timeMs >= after.start && timeMs < after.stop) return 1;
    if (this.references !== null) return this.referenceOf(timeMs) >= 0 ? 0 : -1;
    if (timeMs >= this.before.start && timeMs < this.before.stop) return 0;
    return -1;
  }

  private referenceOf(timeMs: number): number {
    const refs = this.references!;
    for (let k = 0; k < refs.length; k++) if (timeMs >= refs[k].start && timeMs < refs[k].stop) return k;
    return -1;
  }

  /** Blocks of window w (0 = before, 1 = after). */
  count(w: number): number {
    if (this.references !== null && w === 0) return this.perReference * this.references.length;
    return this.grid.count(this.control !== null ? 1 : w);
  }

  /** Block of `timeMs` in window w (the point is inside the window). */
  blockOf(w: number, timeMs: number): number {
    if (this.references !== null && w === 0) {
      const k = Math.max(0, this.referenceOf(timeMs));
      const shifted = timeMs - (this.references[k].start - this.after.start);
      return k * this.perReference + this.grid.blockOf(1, shifted);
    }
    return this.grid.blockOf(this.control !== null ? 1 : w, timeMs);
  }

  /** Points (one by default) of the cohort window without the cohort tag, kept by the builder's filters. */
  countUntagged(n = 1): void {
    this.untagged += n;
  }

  /** Cohort values seen (for a builder in another thread to hand over). */
  cohortsSeen(): { treatments: string[]; untagged: number } {
    return { treatments: [...this.treatments], untagged: this.untagged };
  }

  mergeCohorts(seen: { treatments: string[]; untagged: number }): void {
    for (const t of seen.treatments) this.treatments.add(t);
    this.untagged += seen.untagged;
  }

  /** The MetricWindows.baseline entry (undefined for `before`). */
  layout(): BaselineLayout | undefined {
    const q = this.query;
    if (q?.kind === 'seasonal') return { kind: 'seasonal', periodMs: q.periodMs, references: q.references.map((r) => ({ ...r })), blocksPerReference: this.perReference, ...(q.levelPeriods !== undefined ? { levelPeriods: q.levelPeriods } : {}) };
    if (q?.kind === 'cohort') return { kind: 'cohort', tag: q.tag, control: q.control, treatments: [...this.treatments].sort(), untagged: this.untagged };
    return undefined;
  }
}
