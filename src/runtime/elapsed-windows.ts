/**
 * Windows and the clock (issue 14 item 2). An upgrade time in the future is refused unless the request allows it
 * (`allowFuture`: timestamps ahead of this machine's clock, e.g. synthetic data or a skewed clock; the windows are
 * then taken as given). Otherwise a window that reaches past now (the after window of a gate run 30 minutes after
 * the upgrade with `--after 2h`) is cut at now: only the elapsed part is analysed, and the report says so
 * (`windowCoverage.<window>.requestedStop` / `notElapsedMs` and a warning).
 */
import type { TimeRange } from '../analysis/types.ts';
import { AppError } from '../errors.ts';
import type { AnalysisRequest } from './analysis-request.ts';

/** BAD_INPUT naming `upgradeAt` when it lies after `now` and the request does not allow that. */
export function checkUpgradeTime(request: Pick<AnalysisRequest, 'upgradeAt' | 'allowFuture'>, upgradeAt: number, now: number): void {
  if (request.allowFuture || upgradeAt <= now) return;
  throw new AppError(
    'BAD_INPUT',
    `upgradeAt: ${request.upgradeAt} is in the future (now is ${new Date(now).toISOString()}); there is no data after an upgrade that has not happened. ` +
      'Pass --allow-future (HTTP and guard targets: "allowFuture": true) to analyse timestamps ahead of this clock',
  );
}

/** The windows cut at `now` (unless the request allows future times); `cut` is true when either was shortened. */
export function elapsedWindows(asked: { before: TimeRange; after: TimeRange }, now: number, allowFuture: boolean | undefined): { before: TimeRange; after: TimeRange; cut: boolean } {
  if (allowFuture) return { ...asked, cut: false };
  const clip = (w: TimeRange): TimeRange => ({ start: w.start, stop: Math.max(w.start, Math.min(w.stop, now)) });
  const before = clip(asked.before);
  const after = clip(asked.after);
  return { before, after, cut: before.stop !== asked.before.stop || after.stop !== asked.after.stop };
}
