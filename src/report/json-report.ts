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
      const per = elementsPerPiece(value.length);
      for (let i = 0; i < value.length; i += per) yield `${i === 0 ? '[' : ','}${elements(value.slice(i, i + per))}`;
      yield '\n  ]';
    } else yield nested(value, 2);
  }
  yield '\n}\n';
}

/**
 * At most this many array elements per piece: one JSON.stringify call per element (and a second pass to indent
 * it) was most of the writer's time at half a million findings (issue 12); a few dozen per call make pieces of
 * tens of kilobytes.
 */
export const ELEMENTS_PER_PIECE = 48;

/**
 * Elements per piece of an array of `length`: one each while the array is short (a report of a few dozen findings
 * streams finding by finding, as it always did, and costs nothing either way), growing to ELEMENTS_PER_PIECE for
 * arrays of ELEMENTS_PER_PIECE² elements and more, so an array is never fewer than ~ELEMENTS_PER_PIECE pieces.
 */
export function elementsPerPiece(length: number): number {
  return Math.max(1, Math.min(ELEMENTS_PER_PIECE, Math.floor(length / ELEMENTS_PER_PIECE)));
}

/** Wrapped as a report member so JSON.stringify itself indents them as in the report, 4 spaces in. */
const WRAP_HEAD = '{\n  "a": ['.length;
const WRAP_TAIL = '\n  ]\n}'.length;

/**
 * `items` as they appear inside a top-level array member of the report, each after a line break and 4 spaces,
 * separated by commas, without the brackets: JSON.stringify of `{ a: items }` with the wrapper cut off (`items` is
 * not empty, so the wrapper's array is written on lines of its own).
 */
function elements(items: unknown[]): string {
  const text = JSON.stringify({ a: items }, null, 2);
  return text.slice(WRAP_HEAD, text.length - WRAP_TAIL);
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
