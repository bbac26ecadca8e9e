import type { TimeRange } from '../../analysis/types.ts';

/** More time blocks per window than this add cost, not information: the block is widened instead. */
export const MAX_BLOCKS_PER_WINDOW = 20_000;

/**
 * The time blocks of each window that the clustered inference measures dependence over: the asked length
 * (input.timelineIntervalMs, one minute by default), block 0 starting at the window's own start, so a window's
 * blocks do not depend on where the other window lies (a seasonal baseline days earlier keeps one-minute blocks,
 * where the chart timeline across both windows has to widen). Widened to a multiple only past
 * MAX_BLOCKS_PER_WINDOW blocks.
 */
export class BlockGrid {
  readonly blockMs: number;
  private readonly windows: [TimeRange, TimeRange];

  constructor(before: TimeRange, after: TimeRange, askedBlockMs: number) {
    this.windows = [before, after];
    const asked = Math.max(1, askedBlockMs);
    const longest = Math.max(before.stop - before.start, after.stop - after.start);
    this.blockMs = asked * Math.max(1, Math.ceil(longest / asked / MAX_BLOCKS_PER_WINDOW));
  }

  /** Blocks of window w (0 = before, 1 = after). */
  count(w: number): number {
    const { start, stop } = this.windows[w];
    return Math.max(1, Math.ceil((stop - start) / this.blockMs));
  }

  /** Block of `timeMs` in window w (the point is inside the window). */
  blockOf(w: number, timeMs: number): number {
    const b = Math.floor((timeMs - this.windows[w].start) / this.blockMs);
    const last = this.count(w) - 1;
    return b < 0 ? 0 : b > last ? last : b;
  }
}
