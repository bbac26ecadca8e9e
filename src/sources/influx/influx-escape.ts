/**
 * Safe parameter injection for the query files in queries/. Nothing user-controlled is ever pasted into
 * a query: InfluxQL parameters are `InfluxQLFragment`s that only the quoting helpers here can create;
 * Flux parameters go through @influxdata/influxdb-client's `flux` tagged template (which quotes strings,
 * times and durations itself).
 */
import { readFileSync } from 'node:fs';
import { flux, type ParameterizedQuery } from '@influxdata/influxdb-client';
import { AppError } from '../../errors.ts';

/** A piece of InfluxQL that is safe by construction (quoted, escaped or a finite number). */
export class InfluxQLFragment {
  readonly text: string;
  /**
   * How many `;`-separated statements this is, when it is whole statements (rendered templates and their
   * joins): the 1.x source expects exactly one complete result per statement, so a response cut at a line
   * boundary cannot pass for the whole answer. Counted on the constant templates, never on the rendered text
   * (a quoted tag value may contain `;`).
   */
  readonly statements: number | undefined;
  private constructor(text: string, statements?: number) {
    this.text = text;
    this.statements = statements;
  }
  /** Internal: only the helpers below build fragments. */
  static of(text: string, statements?: number): InfluxQLFragment {
    return new InfluxQLFragment(text, statements);
  }
}

// InfluxQL's scanner understands \\ \" \' and \n inside quoted strings and identifiers; a raw newline
// would end the token with an error, so it is escaped as well.
function escapeQuoted(value: string, quote: '"' | "'"): string {
  let out = quote;
  for (const ch of value) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else out += ch;
  }
  return out + quote;
}

/** A double-quoted InfluxQL identifier (measurement, field, tag, database, retention policy). */
export function ident(name: string): InfluxQLFragment {
  return InfluxQLFragment.of(escapeQuoted(String(name), '"'));
}

/** A single-quoted InfluxQL string literal (tag values). */
export function str(value: string): InfluxQLFragment {
  return InfluxQLFragment.of(escapeQuoted(String(value), "'"));
}

/** A finite number literal. */
export function num(value: number): InfluxQLFragment {
  if (!Number.isFinite(value)) throw new AppError('INTERNAL', `InfluxQL number literal must be finite, got ${value}`);
  // Exponent notation is not part of InfluxQL's number syntax.
  const text = Math.abs(value) >= 1e21 || (value !== 0 && Math.abs(value) < 1e-6) ? value.toFixed(12) : String(value);
  return InfluxQLFragment.of(text);
}

/** An epoch-millisecond time literal (`1700000000000ms`). */
export function timeMs(epochMs: number): InfluxQLFragment {
  if (!Number.isSafeInteger(epochMs)) throw new AppError('INTERNAL', `time must be an integer epoch ms, got ${epochMs}`);
  return InfluxQLFragment.of(`${epochMs}ms`);
}

/** A duration literal in ms, for GROUP BY time(…, offset). */
export function durationMs(ms: number): InfluxQLFragment {
  return timeMs(ms);
}

/** A retention-policy-qualified measurement: "rp"."m", or "m" when rp is empty. */
export function measurementRef(measurement: string, rp?: string): InfluxQLFragment {
  return rp ? raw(`${ident(rp).text}.${ident(measurement).text}`) : ident(measurement);
}

/** `AND ("tag" = 'a' OR "tag" = 'b')`, or nothing when `values` is empty. */
export function tagFilter(tag: string, values: readonly string[] | undefined): InfluxQLFragment {
  if (!values || values.length === 0) return raw('');
  return raw(` AND (${values.map((v) => `${ident(tag).text} = ${str(v).text}`).join(' OR ')})`);
}

/** The GROUP BY addition of a cohort baseline: `, "<tag>"` (each cohort its own series), or nothing. */
export function cohortGroupBy(tag: string | null): InfluxQLFragment {
  return raw(tag === null ? '' : `, ${ident(tag).text}`);
}

/** A value range condition on a field for one histogram bucket: (lower, upper], open ends allowed. */
export function bucketCondition(field: string, lower: number | null, upper: number): InfluxQLFragment {
  const f = ident(field).text;
  const parts: string[] = [];
  if (lower !== null && Number.isFinite(lower)) parts.push(`${f} > ${num(lower).text}`);
  if (Number.isFinite(upper)) parts.push(`${f} <= ${num(upper).text}`);
  return raw(parts.length > 0 ? ` AND ${parts.join(' AND ')}` : '');
}

/** Joins fragments (e.g. several statements with `;`). */
export function joinFragments(parts: readonly InfluxQLFragment[], separator: string): InfluxQLFragment {
  const text = parts.map((p) => p.text).join(separator);
  if (!separator.includes(';')) return raw(text);
  return InfluxQLFragment.of(text, parts.reduce((n, p) => n + (p.statements ?? 1), 0));
}

// Only for text assembled here from other fragments or constant syntax.
function raw(text: string): InfluxQLFragment {
  return InfluxQLFragment.of(text);
}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Removes the leading `--`/`//` header comment lines of a query file. */
export function stripHeader(text: string): string {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (/^\s*(--|\/\/)/.test(lines[i]) || lines[i].trim() === '')) i++;
  return lines.slice(i).join('\n').trim();
}

/**
 * Fills `${name}` placeholders of an InfluxQL template with fragments. Every placeholder must have a
 * fragment and every value must be a fragment, so a plain string can never reach the query text.
 */
export function renderInfluxQL(template: string, params: Record<string, InfluxQLFragment>, where: string): InfluxQLFragment {
  const body = stripHeader(template);
  const text = body
    .replace(PLACEHOLDER, (_m, name: string) => {
      const p = params[name];
      if (!(p instanceof InfluxQLFragment)) throw new AppError('INTERNAL', `${where}: parameter \${${name}} is missing or not an escaped fragment`);
      return p.text;
    })
    .replace(/\s*\n\s*/g, ' ');
  return InfluxQLFragment.of(text, body.split(';').length);
}

/**
 * Fills `${name}` placeholders of a Flux template through the client's `flux` tagged template, which
 * turns strings into escaped string literals, numbers into literals, arrays into arrays and passes
 * `fluxDateTime`/`fluxDuration`/`fluxExpression` values through as built.
 */
export function renderFlux(template: string, params: Record<string, unknown>, where: string): ParameterizedQuery {
  const body = stripHeader(template);
  const strings: string[] = [];
  const values: unknown[] = [];
  let last = 0;
  for (const m of body.matchAll(PLACEHOLDER)) {
    const name = m[1];
    if (!(name in params) || params[name] === undefined) throw new AppError('INTERNAL', `${where}: parameter \${${name}} is missing`);
    strings.push(body.slice(last, m.index));
    values.push(params[name]);
    last = (m.index ?? 0) + m[0].length;
  }
  strings.push(body.slice(last));
  const tsa = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return flux(tsa, ...values);
}

const QUERY_DIR = new URL('../../../queries/', import.meta.url);
const queryCache = new Map<string, string>();

/** The text of `queries/<file>` (read once per process). */
export function queryTemplate(file: string): string {
  let text = queryCache.get(file);
  if (text === undefined) {
    text = readFileSync(new URL(file, QUERY_DIR), 'utf8');
    queryCache.set(file, text);
  }
  return text;
}
