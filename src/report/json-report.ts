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

/**
 * renderJson's text in pieces, to be written one after another: the report's fields one by one and its arrays
 * (findings, warnings, incidents, …) element by element, each piece from JSON.stringify itself. At 100 000
 * endpoints the text is 350 MB, which as one string doubled the memory of the run (issue 12); in pieces it is
 * never held whole. The same characters as renderJson, always (test/report/json-report.test.ts).
 */
export function* jsonReportChunks(report: RecommendedReport): Generator<string> {
  const members = Object.entries(report as unknown as Record<string, unknown>).filter(([, v]) => serializable(v));
  if (typeof (report as { toJSON?: unknown }).toJSON === 'function' || members.length === 0) {
    yield renderJson(report);
    return;
  }
  yield '{';
  for (let m = 0; m < members.length; m++) {
    const [key, value] = members[m];
    yield `${m === 0 ? '' : ','}\n  ${JSON.stringify(key)}: `;
    if (Array.isArray(value) && value.length > 0) {
      for (let i = 0; i < value.length; i++) yield `${i === 0 ? '[' : ','}\n    ${nested(value[i], 4)}`;
      yield '\n  ]';
    } else yield nested(value, 2);
  }
  yield '\n}\n';
}

/** JSON.stringify leaves out members whose value is undefined, a function or a symbol. */
function serializable(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
}

/**
 * `value` as JSON.stringify(…, null, 2) writes it `depth` spaces in: its own lines shifted right (a line break in
 * the text is always one between tokens: inside strings JSON writes "\n"). Array elements that JSON.stringify
 * would write as null (undefined, functions) are written as null here too.
 */
function nested(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) return 'null';
  return text.includes('\n') ? text.replaceAll('\n', `\n${' '.repeat(depth)}`) : text;
}
