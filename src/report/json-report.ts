/**
 * The report as JSON text: what `aftershock analyze --format json` prints and what pipelines read (the
 * schemaVersion 1 contract in README.md). Two-space indentation and a final newline, fields in the order the
 * analysis wrote them, then what the runtime added after it (`recommendation`).
 *
 * JSON has no Infinity: an open interval end (±Infinity in memory) comes out as `null`, because that is what
 * `JSON.stringify` does with every non-finite number (ECMA-262 SerializeJSONProperty), so no replacer is needed.
 */
import type { RecommendedReport } from './recommendation-section.ts';

export function renderJson(report: RecommendedReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
