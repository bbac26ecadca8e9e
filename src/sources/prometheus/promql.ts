/**
 * Safe parameter injection for the PromQL templates in queries/*.promql. Nothing user-controlled is pasted into
 * a query: every `${name}` placeholder takes a `PromQLFragment`, which only the helpers here build — metric and
 * label names checked against the PromQL grammar, label values as escaped string literals, regular expressions
 * of literal alternatives with every RE2 metacharacter escaped, durations from whole milliseconds.
 */
import { readFileSync } from 'node:fs';
import { AppError } from '../../errors.ts';

/** A piece of PromQL that is safe by construction. */
export class PromQLFragment {
  readonly text: string;
  private constructor(text: string) {
    this.text = text;
  }
  /** Internal: only the helpers below build fragments. */
  static of(text: string): PromQLFragment {
    return new PromQLFragment(text);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** True for a name PromQL accepts as a metric name without quoting. */
export function isMetricName(name: string): boolean {
  return METRIC_NAME.test(name);
}

/** True for a name PromQL accepts as a label name. */
export function isLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}

export function metricName(name: string): PromQLFragment {
  if (!isMetricName(name)) throw new AppError('BAD_INPUT', `"${name}" is not a valid Prometheus metric name`);
  return PromQLFragment.of(name);
}

export function labelName(name: string): PromQLFragment {
  if (!isLabelName(name)) throw new AppError('BAD_INPUT', `"${name}" is not a valid Prometheus label name`);
  return PromQLFragment.of(name);
}

/**
 * A double-quoted PromQL string literal. PromQL strings use Go's escapes; JSON's (\" \\ \n \t \uXXXX …) are a
 * subset of them, so JSON.stringify gives a literal PromQL reads back as the same string.
 */
export function stringLiteral(value: string): string {
  return JSON.stringify(String(value));
}

/** RE2 metacharacters; a label value used inside `=~` is escaped so it only ever matches itself. */
function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export interface LabelMatcher {
  label: string;
  /** One value (`=`) or any of several (`=~` of escaped literal alternatives; Prometheus anchors the regex). */
  values: string[];
}

/** `{a="x",b=~"y|z"}` from the matchers with values, '' when none has any. */
export function selector(matchers: LabelMatcher[], extra: string[] = []): PromQLFragment {
  const parts: string[] = [...extra];
  for (const m of matchers) {
    if (m.values.length === 0) continue;
    const name = labelName(m.label).text;
    parts.push(m.values.length === 1 ? `${name}=${stringLiteral(m.values[0])}` : `${name}=~${stringLiteral(m.values.map(escapeRegex).join('|'))}`);
  }
  return PromQLFragment.of(parts.length === 0 ? '' : `{${parts.join(',')}}`);
}

/** A PromQL duration (`60s`, `1500ms`) from a positive whole number of milliseconds. */
export function duration(ms: number): PromQLFragment {
  if (!Number.isInteger(ms) || ms <= 0) throw new AppError('INTERNAL', `PromQL duration must be a positive whole number of ms, got ${ms}`);
  return PromQLFragment.of(ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
}

/** The `by (…)` addition of a cohort baseline: `, <label>` (each flag cohort its own series), or nothing. */
export function cohortBy(label: string | null): PromQLFragment {
  return PromQLFragment.of(label === null ? '' : `, ${labelName(label).text}`);
}

/** A comma list of label names for `by (…)`. */
export function labelList(names: string[]): PromQLFragment {
  return PromQLFragment.of(names.map((n) => labelName(n).text).join(', '));
}

const PLACEHOLDER = /\$\{([a-zA-Z]+)\}/g;

/** The template without its header (comment lines at the top), with every placeholder filled. */
export function renderPromQL(template: string, params: Record<string, PromQLFragment>, where: string): string {
  const body = template
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .trim();
  return body.replace(PLACEHOLDER, (_, name: string) => {
    const v = params[name];
    if (!(v instanceof PromQLFragment)) throw new AppError('INTERNAL', `${where}: parameter \${${name}} is missing or not a PromQLFragment`);
    return v.text;
  });
}

const QUERY_DIR = new URL('../../../queries/', import.meta.url);
const templates = new Map<string, string>();

/** The text of `queries/<file>` (read once per process). */
export function promqlTemplate(file: string): string {
  let text = templates.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(file, QUERY_DIR), 'utf8');
    templates.set(file, text);
  }
  return text;
}
