/**
 * A streaming parser of InfluxDB line protocol
 * (https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/):
 *
 *   measurement[,tag=value…] field=value[,field=value…] [timestamp]
 *
 * - Escapes: `\,` and `\ ` in the measurement; `\,` `\=` `\ ` in tag keys, tag values and field keys.
 *   A backslash before any other character stays literal (as InfluxDB does); a backslash ending the line
 *   is an error.
 * - Field values: floats (`1`, `-1.5`, `1e3`, `.5`), integers `12i`, unsigned `12u`, booleans
 *   (t T true True TRUE f F false False FALSE) and double-quoted strings with `\"` and `\\` escapes.
 *   `inf`/`NaN` are rejected like InfluxDB does. Newlines cannot occur inside values (the docs say so), so a
 *   quote still open at the end of the line is "unterminated quoted string".
 * - Timestamp: optional integer in the `precision` unit (ns default, us, ms, s). A line without one is bad
 *   unless `defaultTimeMs` is given, because a point without a time cannot be placed in a window. Times
 *   outside [minTimeMs, maxTimeMs) are bad too (usually a wrong precision).
 * - `#` comment lines, blank lines and CRLF endings are accepted.
 *
 * For speed (millions of lines per second) the parser keeps nothing per line: each point is parsed into one
 * reusable scratch `LineProtocolPoint` handed synchronously to a callback, which copies what it needs.
 * Buffers are decoded once per chunk as latin1 (one byte = one char, the cheapest decoding); tokens holding
 * bytes ≥ 0x80 are re-decoded as UTF-8 individually. Lines are split with indexOf and scanned with
 * charCodeAt, with a fast path for tokens without backslashes.
 */

export const FieldType = { Float: 0, Integer: 1, Unsigned: 2, Boolean: 3, String: 4 } as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];
export const FIELD_TYPE_NAMES = ['float', 'integer', 'unsigned integer', 'boolean', 'string'] as const;

export type Precision = 'ns' | 'us' | 'ms' | 's';

/** 2000-01-01T00:00:00Z: anything earlier is almost always a timestamp in the wrong precision. */
export const DEFAULT_MIN_TIME_MS = 946_684_800_000;
/** 2200-01-01T00:00:00Z */
export const DEFAULT_MAX_TIME_MS = 7_258_118_400_000;
export const DEFAULT_BAD_LINES_KEPT = 10;
const EXCERPT_CHARS = 80;

const CR = 13;
const SP = 32;
const TAB = 9;
const COMMA = 44;
const EQ = 61;
const BS = 92;
const DQ = 34;
const HASH = 35;
const MINUS = 45;
const DOT = 46;
const D0 = 48;
const D9 = 57;
const LOWER_E = 101;
const UPPER_E = 69;
const PLUS = 43;
const LOWER_I = 105;
const LOWER_U = 117;

/** Digits dropped from the timestamp to get milliseconds, or (negative) the factor's exponent for seconds. */
const PRECISION_SHIFT: Record<Precision, number> = { ns: 6, us: 3, ms: 0, s: -3 };
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const BOOLEANS: Record<string, boolean> = { t: true, T: true, true: true, True: true, TRUE: true, f: false, F: false, false: false, False: false, FALSE: false };
const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;

/** The scratch record: overwritten for every line, so copy what you keep. */
export class LineProtocolPoint {
  measurement = '';
  tagCount = 0;
  readonly tagKeys: string[] = [];
  readonly tagValues: string[] = [];
  fieldCount = 0;
  readonly fieldKeys: string[] = [];
  readonly fieldTypes: FieldType[] = [];
  /** Numeric value for float/integer/unsigned fields, 1/0 for booleans, NaN for strings. */
  readonly fieldNumbers: number[] = [];
  /** Unescaped value of string fields ('' for other types). */
  readonly fieldStrings: string[] = [];
  /** Epoch milliseconds (fractional below 1 ms for us/ns precision). */
  timeMs = NaN;
  /** 1-based line number in the input. */
  lineNumber = 0;
  /** Where the field values were written, for messages (see fieldText). */
  readonly fieldStart: number[] = [];
  readonly fieldEnd: number[] = [];
  /** @internal text holding the current line */
  src = '';
  /** @internal true when `src` is latin1-decoded bytes */
  bytes = false;

  /** Value of tag `key`, or undefined. */
  tag(key: string): string | undefined {
    for (let i = 0; i < this.tagCount; i++) if (this.tagKeys[i] === key) return this.tagValues[i];
    return undefined;
  }

  /** Index of field `key`, or -1. */
  fieldIndex(key: string): number {
    for (let i = 0; i < this.fieldCount; i++) if (this.fieldKeys[i] === key) return i;
    return -1;
  }

  /** The field value exactly as written in the line (e.g. `12i`, `"abc"`), for messages. */
  fieldText(i: number): string {
    return decodeToken(this.src.slice(this.fieldStart[i], this.fieldEnd[i]), this.bytes);
  }
}

export interface BadLine {
  line: number;
  reason: string;
  excerpt: string;
}

/** Return a reason to count the point as a bad line (e.g. a wrong-typed known field), or nothing to keep it. */
export type PointHandler = (point: LineProtocolPoint) => string | null | undefined | void;

export interface LineProtocolParserOptions {
  precision?: Precision;
  /** Time given to points without a timestamp; without it such lines are bad. */
  defaultTimeMs?: number;
  /** Timestamps outside [minTimeMs, maxTimeMs) are bad (defaults: 2000-01-01 … 2200-01-01). */
  minTimeMs?: number;
  maxTimeMs?: number;
  /** How many bad lines to keep with number, reason and excerpt (default 10). */
  keepBadLines?: number;
}

function decodeToken(s: string, bytes: boolean): string {
  if (!bytes) return s;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 127) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}

/** Removes backslash escapes of the given special characters; other backslashes stay. */
function unescape(text: string, start: number, end: number, specials: string): string {
  let out = '';
  let from = start;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === BS && i + 1 < end) {
      if (specials.includes(text[i + 1])) {
        out += text.slice(from, i);
        from = i + 1;
      }
      i++;
    }
  }
  return out + text.slice(from, end);
}

const MEASUREMENT_SPECIALS = ', ';
const KEY_SPECIALS = ',= ';
const STRING_SPECIALS = '"\\';

function quote(s: string): string {
  return JSON.stringify(s);
}

export class LineProtocolParser {
  /** Lines seen (including blank and comment lines). */
  lines = 0;
  /** Lines that held a point (not blank, not a comment). */
  dataLines = 0;
  /** Points accepted by the handler. */
  points = 0;
  badLineCount = 0;
  readonly badLines: BadLine[] = [];
  private readonly point = new LineProtocolPoint();
  private readonly onPoint: PointHandler;
  private readonly shift: number;
  private readonly defaultTimeMs: number | undefined;
  private readonly minTimeMs: number;
  private readonly maxTimeMs: number;
  private readonly keepBadLines: number;
  private readonly precision: Precision;
  private rest = '';

  constructor(onPoint: PointHandler, options: LineProtocolParserOptions = {}) {
    this.onPoint = onPoint;
    this.precision = options.precision ?? 'ns';
    this.shift = PRECISION_SHIFT[this.precision];
    this.defaultTimeMs = options.defaultTimeMs;
    this.minTimeMs = options.minTimeMs ?? DEFAULT_MIN_TIME_MS;
    this.maxTimeMs = options.maxTimeMs ?? DEFAULT_MAX_TIME_MS;
    this.keepBadLines = options.keepBadLines ?? DEFAULT_BAD_LINES_KEPT;
  }

  /** Feeds a chunk; a line split across chunks is completed by the next one. Do not mix strings and Buffers. */
  push(chunk: string | Buffer): void {
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      text = chunk.toString('latin1');
      this.point.bytes = true;
    }
    if (this.rest.length > 0) text = this.rest + text;
    let pos = 0;
    for (;;) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      this.parseLine(text, pos, nl);
      pos = nl + 1;
    }
    this.rest = pos < text.length ? text.slice(pos) : '';
  }

  /** Parses a last line without a trailing newline. */
  end(): void {
    if (this.rest.length > 0) {
      const text = this.rest;
      this.rest = '';
      this.parseLine(text, 0, text.length);
    }
  }

  private parseLine(text: string, start: number, end: number): void {
    this.lines++;
    if (end > start && text.charCodeAt(end - 1) === CR) end--;
    let i = start;
    let c = 0;
    while (i < end && ((c = text.charCodeAt(i)) === SP || c === TAB)) i++;
    if (i === end || c === HASH) return;
    this.dataLines++;
    const p = this.point;
    p.lineNumber = this.lines;
    p.src = text;
    let reason = this.parsePoint(text, i, end);
    if (reason === null) {
      const r = this.onPoint(p);
      if (typeof r === 'string') reason = r;
    }
    if (reason === null) this.points++;
    else this.bad(reason, text, start, end);
  }

  private bad(reason: string, text: string, start: number, end: number): void {
    this.badLineCount++;
    if (this.badLines.length >= this.keepBadLines) return;
    const long = end - start > EXCERPT_CHARS;
    const excerpt = decodeToken(text.slice(start, long ? start + EXCERPT_CHARS : end), this.point.bytes) + (long ? '…' : '');
    this.badLines.push({ line: this.lines, reason, excerpt });
  }

  /** Fills the scratch point; returns null or the reason the line is malformed. */
  private parsePoint(text: string, i: number, end: number): string | null {
    const p = this.point;
    const bytes = p.bytes;

    // Measurement: up to an unescaped comma or space.
    let j = i;
    let esc = false;
    for (; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === COMMA || c === SP) break;
      if (c === BS) {
        if (j + 1 >= end) return 'backslash at end of line';
        esc = true;
        j++;
      }
    }
    if (j === i) return 'missing measurement';
    p.measurement = decodeToken(esc ? unescape(text, i, j, MEASUREMENT_SPECIALS) : text.slice(i, j), bytes);
    if (j >= end) return 'missing field set';

    // Tag set.
    let nt = 0;
    while (text.charCodeAt(j) === COMMA) {
      const ks = ++j;
      esc = false;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === EQ || c === COMMA || c === SP) break;
        if (c === BS) {
          if (j + 1 >= end) return 'backslash at end of line';
          esc = true;
          j++;
        }
      }
      if (j === ks) return 'empty tag key';
      const key = decodeToken(esc ? unescape(text, ks, j, KEY_SPECIALS) : text.slice(ks, j), bytes);
      if (j >= end || text.charCodeAt(j) !== EQ) return `tag ${quote(key)} has no "=" and value`;
      const vs = ++j;
      esc = false;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === COMMA || c === SP) break;
        if (c === EQ) return `tag ${quote(key)}: unescaped "=" in the value`;
        if (c === BS) {
          if (j + 1 >= end) return 'backslash at end of line';
          esc = true;
          j++;
        }
      }
      if (j === vs) return `tag ${quote(key)} has an empty value`;
      p.tagKeys[nt] = key;
      p.tagValues[nt] = decodeToken(esc ? unescape(text, vs, j, KEY_SPECIALS) : text.slice(vs, j), bytes);
      nt++;
      if (j >= end) {
        p.tagCount = nt;
        return 'missing field set';
      }
    }
    p.tagCount = nt;

    // One or more spaces, then the field set.
    while (j < end && text.charCodeAt(j) === SP) j++;
    if (j >= end) return 'missing field set';
    let nf = 0;
    for (;;) {
      const ks = j;
      esc = false;
      for (; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c === EQ || c === COMMA || c === SP) break;
        if (c === BS) {
          if (j + 1 >= end) return 'backslash at end of line';
          esc = true;
          j++;
        }
      }
      if (j >= end || text.charCodeAt(j) !== EQ) {
        // "m,t=a 1700000000000000000" has a timestamp where the fields should be.
        if (nf === 0) return 'missing field set';
        return `field ${quote(decodeToken(text.slice(ks, j), bytes))} has no "=" and value`;
      }
      if (j === ks) return 'empty field key';
      const key = decodeToken(esc ? unescape(text, ks, j, KEY_SPECIALS) : text.slice(ks, j), bytes);
      const vs = ++j;
      if (j >= end) return `field ${quote(key)} has no value`;
      let c = text.charCodeAt(j);
      if (c === COMMA || c === SP) return `field ${quote(key)} has no value`;
      if (c === DQ) {
        esc = false;
        for (j++; j < end; j++) {
          c = text.charCodeAt(j);
          if (c === DQ) break;
          if (c === BS) {
            esc = true;
            j++;
          }
        }
        if (j >= end) return 'unterminated quoted string';
        p.fieldTypes[nf] = FieldType.String;
        p.fieldNumbers[nf] = NaN;
        p.fieldStrings[nf] = decodeToken(esc ? unescape(text, vs + 1, j, STRING_SPECIALS) : text.slice(vs + 1, j), bytes);
        j++;
        if (j < end && (c = text.charCodeAt(j)) !== COMMA && c !== SP) return `field ${quote(key)}: unexpected text after the closing quote`;
      } else {
        for (; j < end; j++) {
          c = text.charCodeAt(j);
          if (c === COMMA || c === SP) break;
        }
        const reason = this.scalar(text, vs, j, nf, key);
        if (reason !== null) return reason;
        p.fieldStrings[nf] = '';
      }
      p.fieldKeys[nf] = key;
      p.fieldStart[nf] = vs;
      p.fieldEnd[nf] = j;
      nf++;
      if (j < end && text.charCodeAt(j) === COMMA) {
        j++;
        continue;
      }
      break;
    }
    p.fieldCount = nf;

    // Optional timestamp.
    while (j < end && (text.charCodeAt(j) === SP || text.charCodeAt(j) === TAB)) j++;
    if (j >= end) {
      if (this.defaultTimeMs === undefined) return 'missing timestamp (a point without one cannot be placed in a window)';
      p.timeMs = this.defaultTimeMs;
      return null;
    }
    const ts = j;
    let c = 0;
    while (j < end && (c = text.charCodeAt(j)) !== SP && c !== TAB) j++;
    const te = j;
    while (j < end && ((c = text.charCodeAt(j)) === SP || c === TAB)) j++;
    if (j < end) return `unexpected text after the timestamp: ${quote(decodeToken(text.slice(j, Math.min(end, j + 20)), bytes))}`;
    return this.timestamp(text, ts, te);
  }

  /** Parses an unquoted field value at [s, e) into slot `nf`. */
  private scalar(text: string, s: number, e: number, nf: number, key: string): string | null {
    const p = this.point;
    const last = text.charCodeAt(e - 1);
    if (last === LOWER_I || last === LOWER_U) {
      const unsigned = last === LOWER_U;
      let k = s;
      const neg = text.charCodeAt(k) === MINUS;
      if (neg && !unsigned) k++;
      let v = 0;
      if (k === e - 1) return `field ${quote(key)}: ${quote(text.slice(s, e))} is not ${unsigned ? 'an unsigned' : 'an'} integer`;
      for (; k < e - 1; k++) {
        const d = text.charCodeAt(k) - D0;
        if (d < 0 || d > 9) return `field ${quote(key)}: ${quote(decodeToken(text.slice(s, e), p.bytes))} is not ${unsigned ? 'an unsigned' : 'an'} integer`;
        v = v * 10 + d;
      }
      if (v >= (unsigned ? 2 ** 64 : 2 ** 63)) {
        return `field ${quote(key)}: ${text.slice(s, e)} is out of the ${unsigned ? 'uint64' : 'int64'} range`;
      }
      p.fieldTypes[nf] = unsigned ? FieldType.Unsigned : FieldType.Integer;
      p.fieldNumbers[nf] = neg ? -v : v;
      return null;
    }
    const first = text.charCodeAt(s);
    if (first === 116 || first === 84 || first === 102 || first === 70) {
      // t T f F: maybe a boolean
      const word = text.slice(s, e);
      const b = BOOLEANS[word];
      if (b !== undefined) {
        p.fieldTypes[nf] = FieldType.Boolean;
        p.fieldNumbers[nf] = b ? 1 : 0;
        return null;
      }
    }
    const v = parseFloatToken(text, s, e);
    if (Number.isNaN(v)) {
      const word = decodeToken(text.slice(s, e), p.bytes);
      if (NON_FINITE.test(word)) return `field ${quote(key)}: ${quote(word)} is not a number (InfluxDB rejects inf and NaN)`;
      return `field ${quote(key)}: ${quote(word)} is not a number`;
    }
    p.fieldTypes[nf] = FieldType.Float;
    p.fieldNumbers[nf] = v;
    return null;
  }

  private timestamp(text: string, s: number, e: number): string | null {
    const p = this.point;
    let k = s;
    const neg = text.charCodeAt(k) === MINUS;
    if (neg) k++;
    const digits = e - k;
    let ok = digits > 0;
    for (let q = k; ok && q < e; q++) {
      const d = text.charCodeAt(q);
      if (d < D0 || d > D9) ok = false;
    }
    if (!ok) return `timestamp ${quote(decodeToken(text.slice(s, e), p.bytes))} is not an integer`;
    if (digits > 19) return `timestamp ${text.slice(s, e)} is out of the int64 range`;
    // Whole milliseconds from the leading digits (exact), the sub-millisecond rest as a fraction, so that a
    // point exactly at a window boundary lands on the right side even for 19-digit nanosecond stamps.
    let ms = 0;
    let frac = 0;
    if (this.shift >= 0) {
      const split = e - this.shift;
      for (let q = k; q < e; q++) {
        const d = text.charCodeAt(q) - D0;
        if (q < split) ms = ms * 10 + d;
        else frac = frac * 10 + d;
      }
      frac /= POW10[this.shift];
    } else {
      for (let q = k; q < e; q++) ms = ms * 10 + (text.charCodeAt(q) - D0);
      ms *= POW10[-this.shift];
    }
    let t = ms + frac;
    if (neg) t = -t;
    if (!(t >= this.minTimeMs && t < this.maxTimeMs)) {
      const when = Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : 'out of range';
      return (
        `timestamp ${text.slice(s, e)} (precision ${this.precision}) is ${when}, outside ` +
        `${new Date(this.minTimeMs).toISOString().slice(0, 10)} … ${new Date(this.maxTimeMs).toISOString().slice(0, 10)}; wrong precision?`
      );
    }
    p.timeMs = t;
    return null;
  }
}

/**
 * Parses a float field value [s, e): optional '-', digits with an optional '.', optional exponent.
 * Returns NaN when the text is not such a number. Short plain decimals take an exact fast path
 * (an integer mantissa below 2^53 divided by an exact power of ten rounds once, so correctly);
 * everything else goes through Number().
 */
export function parseFloatToken(text: string, s: number, e: number): number {
  let k = s;
  // InfluxDB accepts a leading '-' but not '+'.
  const neg = text.charCodeAt(k) === MINUS;
  if (neg) k++;
  let mantissa = 0;
  let digits = 0;
  let fracDigits = 0;
  let seenDot = false;
  let simple = true;
  for (; k < e; k++) {
    const c = text.charCodeAt(k);
    if (c >= D0 && c <= D9) {
      mantissa = mantissa * 10 + (c - D0);
      digits++;
      if (seenDot) fracDigits++;
    } else if (c === DOT && !seenDot) {
      seenDot = true;
    } else if (c === LOWER_E || c === UPPER_E) {
      simple = false;
      break;
    } else {
      return NaN;
    }
  }
  if (digits === 0) return NaN;
  if (!simple) {
    // exponent: [eE][+-]?digits, nothing after
    let q = k + 1;
    const sign = text.charCodeAt(q);
    if (sign === PLUS || sign === MINUS) q++;
    if (q >= e) return NaN;
    for (; q < e; q++) {
      const c = text.charCodeAt(q);
      if (c < D0 || c > D9) return NaN;
    }
    return Number(text.slice(s, e));
  }
  if (digits > 15) return Number(text.slice(s, e));
  const v = mantissa / POW10[fracDigits];
  return neg ? -v : v;
}

/** Parses a whole text (tests, small inputs); returns the parser with its counters and bad lines. */
export function parseLineProtocol(text: string, onPoint: PointHandler, options: LineProtocolParserOptions = {}): LineProtocolParser {
  const parser = new LineProtocolParser(onPoint, options);
  parser.push(text);
  parser.end();
  return parser;
}
