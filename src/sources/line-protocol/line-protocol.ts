/**
 * A streaming parser of InfluxDB line protocol that reads each line the way InfluxDB 1.x's own parser does
 * (models/points.go; checked case by case against it with test/fixtures/lp/influxdb-points-cases.json, and against a
 * real server in test/sources/line-protocol/line-protocol.integration.test.ts):
 *
 *   measurement[,tag=value…] field=value[,field=value…] [timestamp]
 *
 * - A line ends at a newline that is neither escaped nor inside a quoted field value, so a string field may hold raw
 *   newlines (LineSplitter). Leading spaces, tabs and NUL bytes (padding) are skipped; `#` starts a comment line.
 * - Measurement, tag keys and tag values: a byte right after a backslash is escaped, whatever that backslash is
 *   (`two\\ words` is the one value `two\ words`). The measurement ends at an unescaped comma or space, a tag key at
 *   an unescaped `=`; a tag value may begin with `=`. Unescaping drops a backslash before `,` ` ` `=` (and before
 *   `"` in the measurement and field keys); other backslashes stay. A repeated tag key refuses the line.
 * - Field set: backslashes escape in pairs there (`\\` is one backslash), as InfluxDB scans it. Values: floats (`1`,
 *   `-1.5`, `1e3`, `.5`), integers `12i` and unsigned `12u` within the exact int64/uint64 range (checked on the
 *   digits), booleans (t T true True TRUE f F false False FALSE) and double-quoted strings with `\"` and `\\` escapes;
 *   `inf`/`NaN` are refused. A repeated field key keeps its last value.
 * - Timestamp: optional integer in the `precision` unit (ns default, us, ms, s) within InfluxDB's time range
 *   (1677-09-21 … 2262-04-11 in ns); only spaces may follow it. A series key (measurement and tags as written) has
 *   at most 65 535 bytes, and so has the series key + 4 + a field key.
 *
 * Deliberate differences (tested as such in line-protocol-influxdb.test.ts, listed in the README's "Input data"):
 * more lenient: a CR before the newline and a UTF-8 byte-order mark at the start are dropped, and `u` integers are
 * read (InfluxDB 1.x refuses them unless built with uint64 support; 2.x reads them); stricter: a line without a
 * timestamp is bad unless `defaultTimeMs` is given, because a point without a time cannot be placed in a window;
 * times outside [minTimeMs, maxTimeMs) are bad (usually a wrong precision); text after a string's closing quote and
 * a field key ending in an escaped backslash are refused (InfluxDB stores a mangled value or key for them).
 * Text is UTF-8. Integers become JavaScript numbers: beyond 2^53 they lose precision (irrelevant for latencies,
 * counts and attempts).
 *
 * For speed (millions of lines per second) the parser works on the bytes and keeps nothing per line: each
 * point is parsed into one reusable scratch `LineProtocolPoint` handed synchronously to a callback, which
 * copies what it needs. Lines are found with indexOf and taken at that newline when they parsed and cannot run on
 * past it (parseLine says when); only bad lines, comments and lines that might run on are scanned again by
 * LineSplitter for their real end. Measurement names, keys and tag values come from a small intern table (no string
 * allocated for a token seen before); numbers and timestamps are parsed from the bytes directly.
 */

export const FieldType = { Float: 0, Integer: 1, Unsigned: 2, Boolean: 3, String: 4 } as const;
export type FieldType = (typeof FieldType)[keyof typeof FieldType];

export type Precision = 'ns' | 'us' | 'ms' | 's';

/** 2000-01-01T00:00:00Z: anything earlier is almost always a timestamp in the wrong precision. */
export const DEFAULT_MIN_TIME_MS = 946_684_800_000;
/** 2200-01-01T00:00:00Z */
export const DEFAULT_MAX_TIME_MS = 7_258_118_400_000;
export const DEFAULT_BAD_LINES_KEPT = 10;
export const DEFAULT_MAX_LINE_BYTES = 16 << 20;
/** InfluxDB's MaxKeyLength: bytes of a series key as written, and of series key + 4 + field key. */
export const MAX_KEY_BYTES = 65_535;
/** InfluxDB stores a series key and a field key joined by a 4-byte separator (models.seriesKeySize). */
const FIELD_KEY_SEPARATOR_BYTES = 4;
const EXCERPT_BYTES = 80;

const NUL = 0;
const LF = 10;
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

/** Digits dropped from the timestamp to get milliseconds (negative: the power of ten to multiply by). */
const PRECISION_SHIFT: Record<Precision, number> = { ns: 6, us: 3, ms: 0, s: -3 };
const POW10 = [1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const BOOLEAN_WORDS = ['t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE'];
const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;
/** The escapes InfluxDB removes: pkg/escape for the measurement and field keys, unescapeTag for tags. */
const NAME_SPECIALS = ',"= ';
const TAG_SPECIALS = ',= ';
const STRING_SPECIALS = '"\\';
const DANGLING_BACKSLASH = 'backslash at end of line';
const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';
const UINT64_MAX_DIGITS = '18446744073709551615';
/** Integers of up to this many digits are exact in a double, so the running `v * 10 + d` is too. */
const EXACT_DIGITS = 15;
/** Largest |timestamp| InfluxDB stores, per precision: ±9223372036854775806 ns (MinNanoTime/MaxNanoTime, models/time.go). */
const TIME_LIMIT_DIGITS: Record<Precision, string> = { ns: '9223372036854775806', us: '9223372036854775', ms: '9223372036854', s: '9223372036' };

function utf8(b: Uint8Array, s: number, e: number): string {
  return Buffer.prototype.utf8Slice.call(b, s, e) as string;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Drops each backslash directly before one of `specials`, keeping the escaped character; other backslashes stay
 * (InfluxDB's unescaping: `\\ ` in a tag becomes `\ `). With `"` and `\` as specials this is the pairwise string
 * unescaping, since an escaped backslash escapes nothing after it.
 */
function unescape(text: string, specials: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i + 1 < text.length; i++) {
    if (text.charCodeAt(i) === BS && specials.includes(text[i + 1])) {
      out += text.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + text.slice(from);
}

/** Whether the digits b[s, e) (no leading zeros) spell a larger number than `limit`. */
function digitsExceed(b: Uint8Array, s: number, e: number, limit: string): boolean {
  const n = e - s;
  if (n !== limit.length) return n > limit.length;
  for (let k = 0; k < n; k++) {
    const d = b[s + k] - limit.charCodeAt(k);
    if (d !== 0) return d > 0;
  }
  return false;
}

/** Index of the first `byte` at or after `from`, or the length of `b` when there is none. */
function indexOrEnd(b: Buffer, byte: number, from: number): number {
  const k = b.indexOf(byte, from);
  return k < 0 ? b.length : k;
}

/**
 * Finds where lines end exactly as InfluxDB's scanLine does: at a newline that is neither escaped (a backslash
 * escapes the next byte, a newline too) nor inside a double-quoted string. A quote opens a string only in the field
 * set (after the first unescaped space) and in a value position (more `=` than `,` seen there outside strings), so
 * quotes in the measurement, tags and field keys are literal. A line with neither a quote nor a backslash, almost
 * every line, ends at its newline, found natively; only the others are scanned byte by byte. The state carries
 * over from one buffer to the next, so a line may continue in the next chunk.
 */
export class LineSplitter {
  /** Newlines inside the line that `lineEnd` ended last (quoted or escaped): it spans that many more lines. */
  innerNewlines = 0;
  /** A line has begun whose end is not found yet (it continues in the next buffer). */
  inLine = false;
  private fields = false;
  private quoted = false;
  /** `=` minus `,` seen in the field set outside strings: positive in a value position. */
  private open = 0;
  /** The last byte seen was a backslash escaping the first byte of the next buffer. */
  private escaped = false;
  private newlines = 0;
  /** The current line holds a quote or a backslash. */
  private special = false;
  /** The last line held a quote or a backslash: scan the next one directly. */
  private scanNext = false;
  /** Next quote and next backslash in the current buffer (its length when none), valid from the last position asked. */
  private nextQuote = -1;
  private nextBackslash = -1;

  /** Call before using a new buffer (or a buffer whose bytes were replaced). */
  setBuffer(): void {
    this.nextQuote = -1;
    this.nextBackslash = -1;
  }

  /**
   * Index of the newline ending the first line that ends at or after `from`, scanning from `pos` (a line start, or
   * the continuation of the current line when `inLine`); -1 when that line runs past the end of `b`.
   */
  lineEnd(b: Buffer, pos: number, from = pos): number {
    for (;;) {
      // After a line with a quote or a backslash, the next one likely has them too: scan it directly rather than
      // paying for three native searches that would only send it to the scan anyway.
      if (!this.inLine && !this.scanNext) {
        if (this.nextQuote < pos) this.nextQuote = indexOrEnd(b, DQ, pos);
        if (this.nextBackslash < pos) this.nextBackslash = indexOrEnd(b, BS, pos);
        const special = this.nextQuote < this.nextBackslash ? this.nextQuote : this.nextBackslash;
        const nl = b.indexOf(LF, from > pos ? from : pos);
        if (nl >= 0 && nl < special) {
          this.innerNewlines = 0;
          return nl;
        }
        // Scan the line holding the next quote or backslash, or the unfinished last line, from its start (the
        // lines before it are plain, so it starts after the last newline before it).
        if (from > pos || special >= b.length) pos = Math.max(pos, b.lastIndexOf(LF, special < b.length ? special : b.length - 1) + 1);
      }
      const e = this.scan(b, pos);
      if (e < 0) {
        this.inLine = true;
        return -1;
      }
      this.inLine = false;
      if (e >= from) return e;
      pos = e + 1;
    }
  }

  /** Like lineEnd from `pos` (a line start, or the current line's continuation), scanning byte by byte at once. */
  scanLine(b: Uint8Array, pos: number): number {
    const e = this.scan(b, pos);
    this.inLine = e < 0;
    return e;
  }

  /** Ends the input inside a line: returns that line's inner newlines and starts afresh. */
  finish(): number {
    const n = this.newlines;
    this.reset();
    this.inLine = false;
    this.scanNext = false;
    return n;
  }

  private reset(): void {
    this.fields = false;
    this.quoted = false;
    this.open = 0;
    this.escaped = false;
    this.newlines = 0;
    this.special = false;
  }

  /** Scans from b[j] on in the current line's state to the newline ending it; -1 at the end of b (state kept). */
  private scan(b: Uint8Array, j: number): number {
    const stop = b.length;
    let fields = this.fields;
    let quoted = this.quoted;
    let open = this.open;
    let newlines = this.newlines;
    let special = this.special;
    if (this.escaped && j < stop) {
      this.escaped = false;
      if (b[j++] === LF) newlines++;
    }
    while (j < stop) {
      let c = b[j];
      if (quoted) {
        // Inside a string only the closing quote, a backslash and newlines count.
        while (c !== DQ && c !== BS && c !== LF && ++j < stop) c = b[j];
        if (j >= stop) break;
        if (c === DQ) quoted = false;
        else if (c === LF) newlines++;
      } else if (!fields) {
        // Measurement and tags: up to the first unescaped space.
        while (c !== SP && c !== BS && c !== LF && c !== DQ && ++j < stop) c = b[j];
        if (j >= stop) break;
        if (c === SP) fields = true;
        else if (c === DQ) special = true;
      } else {
        // The field set and timestamp: `=` and `,` outside strings tell values from keys, where a quote is literal.
        while (c !== EQ && c !== COMMA && c !== DQ && c !== BS && c !== LF && ++j < stop) c = b[j];
        if (j >= stop) break;
        if (c === EQ) open++;
        else if (c === COMMA) open--;
        else if (c === DQ) {
          special = true;
          if (open > 0) quoted = true;
        }
      }
      if (c === BS) {
        special = true;
        if (j + 1 >= stop) {
          this.escaped = true;
          j = stop;
          break;
        }
        if (b[++j] === LF) newlines++;
      } else if (c === LF && !quoted) {
        this.reset();
        this.innerNewlines = newlines;
        this.scanNext = special;
        return j;
      }
      j++;
    }
    this.fields = fields;
    this.quoted = quoted;
    this.open = open;
    this.newlines = newlines;
    this.special = special;
    return -1;
  }
}

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
  /** Byte offsets of the field values in `src`, for messages (see fieldText). */
  readonly fieldStart: number[] = [];
  readonly fieldEnd: number[] = [];
  /** @internal the bytes holding the current line */
  src: Uint8Array = new Uint8Array(0);
  /**
   * The series (measurement and tag set, as written) this line shares with the other lines of its series, while the
   * parser remembers it: a handler may keep what it derives from the tags in `memo`, which is fresh (undefined)
   * for a series not seen lately. Null when the parser does not remember the series.
   */
  series: SeriesMemo | null = null;

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
    return utf8(this.src, this.fieldStart[i], this.fieldEnd[i]);
  }
}

/** Where a point handler keeps what it derives from a series' tags (LineProtocolPoint.series). */
export interface SeriesMemo {
  memo: unknown;
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
  /** Names to pre-seed the intern table with (the schema's measurements and keys), so tokens equal to them are these very objects. */
  knownTokens?: readonly string[];
  /** Time given to points without a timestamp; without it such lines are bad. */
  defaultTimeMs?: number;
  /** Timestamps outside [minTimeMs, maxTimeMs) are bad (defaults: 2000-01-01 … 2200-01-01). */
  minTimeMs?: number;
  maxTimeMs?: number;
  /** How many bad lines to keep with number, reason and excerpt (default 10). */
  keepBadLines?: number;
  /** Longer lines are bad and skipped without being held in memory (default 16 MiB). */
  maxLineBytes?: number;
}

/** Size of the token intern table (a power of two); rarer tokens just evict each other. */
const INTERN_SLOTS = 4096;

/**
 * A cheap hash of bytes [s, e) from the length and five sampled bytes (no per-byte work on the hot path).
 * A collision only costs a fresh string (the slot is overwritten), never a wrong result.
 */
function sampleHash(b: Uint8Array, s: number, e: number): number {
  const n = e - s;
  const q = n >> 2;
  let h = Math.imul(n, 0x9e3779b1);
  h = Math.imul(h ^ b[s], 0x01000193);
  h = Math.imul(h ^ b[s + q], 0x01000193);
  h = Math.imul(h ^ b[s + (n >> 1)], 0x01000193);
  h = Math.imul(h ^ b[e - 1 - q], 0x01000193);
  h = Math.imul(h ^ b[e - 1], 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * Measurement names, keys and tag values repeat on almost every line: this table returns the same string
 * object for the same bytes, so the hot path allocates nothing, later Map lookups hit a cached hash, and
 * names pre-seeded from the schema compare by identity. Only ASCII tokens are stored (a byte compares
 * equal to a char code only then).
 */
class InternTable {
  private readonly slots: Array<string | undefined> = new Array<string | undefined>(INTERN_SLOTS);

  add(s: string): void {
    const b = Buffer.from(s, 'utf8');
    if (b.length === s.length && s.length > 0) this.slots[sampleHash(b, 0, b.length) & (INTERN_SLOTS - 1)] = s;
  }

  get(b: Uint8Array, s: number, e: number): string {
    const slot = sampleHash(b, s, e) & (INTERN_SLOTS - 1);
    const cand = this.slots[slot];
    const n = e - s;
    if (cand !== undefined && cand.length === n) {
      let k = 0;
      while (k < n && cand.charCodeAt(k) === b[s + k]) k++;
      if (k === n) return cand;
    }
    let ascii = true;
    for (let k = s; k < e; k++) {
      if (b[k] > 127) {
        ascii = false;
        break;
      }
    }
    if (!ascii) return utf8(b, s, e);
    const str = Buffer.prototype.latin1Slice.call(b, s, e) as string;
    this.slots[slot] = str;
    return str;
  }
}

/**
 * A field key as its last line had it at some position: tried first on the next line of the series. `words` holds its
 * bytes as little-endian 32-bit words (whole words only) for a four-byte-at-a-time comparison.
 */
interface KnownKey {
  key: string;
  words: Int32Array;
}

/** The KnownKey of an ASCII key; undefined for any other (its bytes are not its char codes). */
function knownKey(key: string): KnownKey | undefined {
  for (let k = 0; k < key.length; k++) if (key.charCodeAt(k) > 127) return undefined;
  return { key, words: littleEndianWords(Buffer.from(key, 'latin1')) };
}

/** `known.key` when the bytes at j (`view`: a DataView of `b`) spell it (ASCII, unescaped) followed by '='; null otherwise. */
function matchKey(b: Uint8Array, view: DataView, j: number, end: number, known: KnownKey): string | null {
  const key = known.key;
  const n = key.length;
  if (j + n >= end || b[j + n] !== EQ) return null;
  const words = known.words;
  for (let w = 0; w < words.length; w++) if (view.getInt32(j + 4 * w, true) !== words[w]) return null;
  for (let k = n & ~3; k < n; k++) if (b[j + k] !== key.charCodeAt(k)) return null;
  return key;
}

/** Field keys whose KnownKey a parser keeps (LineProtocolParser.knownKey); a file with more distinct keys makes the rest anew. */
const KNOWN_KEYS_MAX = 1024;

/** Size of the series cache (a power of two). */
const SERIES_SLOTS = 256;

interface SeriesEntry extends SeriesMemo {
  bytes: Uint8Array;
  /**
   * The bytes as little-endian 32-bit words (the whole words only), compared four bytes at a time (restore); made at
   * the entry's first hit, as most entries of a file with more series than the cache holds are never hit.
   */
  words: Int32Array | null;
  measurement: string;
  tagKeys: string[];
  tagValues: string[];
  /** Field keys of the series' last line by position (ASCII, unescaped only), tried first on the next line. */
  fieldKeys: Array<KnownKey | undefined>;
  /**
   * The bytes hold two backslashes in a row: InfluxDB's line splitter (escapes in pairs) and its series-key parser (a
   * byte after any backslash is escaped) may then disagree on where the field set starts (see parseLine).
   */
  doubleBackslash: boolean;
}

/** The whole 32-bit little-endian words of `bytes` (a trailing 1–3 bytes are left out). */
function littleEndianWords(bytes: Uint8Array): Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Int32Array(bytes.length >> 2);
  for (let w = 0; w < words.length; w++) words[w] = view.getInt32(4 * w, true);
  return words;
}

/** Lookups over which the series cache judges its hit rate (see SeriesCache.admits). */
const HIT_RATE_WINDOW = 4096;
/** Below this share of hits in a window the cache is cold: then only one miss in COLD_STORE_EVERY is stored. */
const COLD_HIT_SHARE = 1 / 16;
const COLD_STORE_EVERY = 16;

/** Whether bytes [s, e) hold two backslashes in a row (SeriesEntry.doubleBackslash). */
function hasDoubleBackslash(b: Uint8Array, s: number, e: number): boolean {
  for (let k = s + 1; k < e; k++) if (b[k] === BS && b[k - 1] === BS) return true;
  return false;
}

/** Parsed measurement + tag set of recently seen series keys, looked up by their bytes. */
class SeriesCache {
  private readonly slots: Array<SeriesEntry | undefined> = new Array<SeriesEntry | undefined>(SERIES_SLOTS);
  private lookups = 0;
  private hits = 0;
  private cold = false;
  private coldMisses = 0;

  /** Counts one lookup of a line's series key and whether the cache had it. */
  tally(hit: boolean): void {
    if (hit) this.hits++;
    if (++this.lookups < HIT_RATE_WINDOW) return;
    this.cold = this.hits < HIT_RATE_WINDOW * COLD_HIT_SHARE;
    this.lookups = 0;
    this.hits = 0;
  }

  /**
   * Whether a missed series key should be stored. Always, unless the last window of lookups hit almost never (many
   * more series than slots, each line a new one: 100 000 endpoints, issue 12), where every store was a copy of the
   * key and three arrays made for nothing. Then one miss in COLD_STORE_EVERY still is, so a file whose series start to
   * repeat fills the cache and warms it again. Only speed depends on this: a line parses the same either way.
   */
  admits(): boolean {
    return !this.cold || ++this.coldMisses % COLD_STORE_EVERY === 0;
  }

  /** Copies a cached series for bytes [s, e) (`view`: a DataView of `b`) into the point and returns it; null when not cached. */
  restore(b: Uint8Array, view: DataView, s: number, e: number, p: LineProtocolPoint): SeriesEntry | null {
    if (e === s) return null;
    const entry = this.slots[sampleHash(b, s, e) & (SERIES_SLOTS - 1)];
    if (entry === undefined) return null;
    const bytes = entry.bytes;
    const n = e - s;
    if (bytes.length !== n) return null;
    // Four bytes at a time (an unaligned little-endian load, inlined by the compiler): a shuffled file's lines hit
    // the cache but each key still has to be compared in full (issue 12). From the end: series differ mostly in
    // their last tag value.
    for (let k = n & ~3; k < n; k++) if (bytes[k] !== b[s + k]) return null;
    const words = entry.words;
    if (words !== null) {
      for (let w = words.length - 1; w >= 0; w--) if (view.getInt32(s + 4 * w, true) !== words[w]) return null;
    } else {
      for (let k = (n & ~3) - 1; k >= 0; k--) if (bytes[k] !== b[s + k]) return null;
      entry.words = littleEndianWords(bytes);
    }
    p.measurement = entry.measurement;
    const nt = entry.tagKeys.length;
    for (let k = 0; k < nt; k++) {
      p.tagKeys[k] = entry.tagKeys[k];
      p.tagValues[k] = entry.tagValues[k];
    }
    p.tagCount = nt;
    return entry;
  }

  store(b: Uint8Array, s: number, e: number, p: LineProtocolPoint): SeriesEntry | null {
    if (e === s) return null;
    // A copy: Buffer#slice is a view, and the file source reuses its read buffer, so a view would change under
    // the entry and could match a later, different series key read into the same bytes.
    const bytes = Uint8Array.prototype.slice.call(b, s, e);
    const entry: SeriesEntry = {
      bytes,
      words: null,
      measurement: p.measurement,
      tagKeys: p.tagKeys.slice(0, p.tagCount),
      tagValues: p.tagValues.slice(0, p.tagCount),
      fieldKeys: [],
      doubleBackslash: false,
      memo: undefined,
    };
    entry.doubleBackslash = hasDoubleBackslash(b, s, e);
    this.slots[sampleHash(b, s, e) & (SERIES_SLOTS - 1)] = entry;
    return entry;
  }
}

/** Set by scanToken: the token holds a backslash. */
let scanEscaped = false;

/**
 * Scans a field key from `j` to the first comma, space or `=` not escaped by a backslash, backslashes escaping in
 * pairs as InfluxDB's scanFields has them. Returns the end, or -1 when a backslash ends the line. Sets scanEscaped.
 */
function scanToken(b: Uint8Array, j: number, end: number): number {
  scanEscaped = false;
  for (; j < end; j++) {
    const c = b[j];
    if (c === COMMA || c === SP || c === EQ) break;
    if (c === BS) {
      if (j + 1 >= end) return -1;
      scanEscaped = true;
      j++;
    }
  }
  return j;
}

/** Field slots holding more than this many fields check for repeated keys with a Set instead of pairwise. */
const PAIRWISE_KEY_CHECK = 32;

export class LineProtocolParser {
  /** Lines seen (including blank and comment lines): newlines + 1 when the input does not end with one. */
  lines = 0;
  /** Lines that held a point (not blank, not a comment); a line with newlines inside quotes counts once. */
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
  private readonly intern = new InternTable();
  private readonly series = new SeriesCache();
  private readonly split = new LineSplitter();
  /** The series key of the line parsed last holds two backslashes in a row (see parseLine). */
  private seriesDoubleBackslash = false;
  private readonly maxLineBytes: number;
  private restParts: Buffer[] = [];
  private restBytes = 0;
  private readonly knownKeys = new Map<string, KnownKey>();
  /** A DataView of the buffer being parsed (viewOf), made once per pushed chunk rather than once per line. */
  private view: DataView = new DataView(new ArrayBuffer(0));
  private viewBuffer: Uint8Array | null = null;
  /** Set while skipping a line longer than maxLineBytes: its first bytes, for the excerpt. */
  private overlong: Buffer | null = null;
  /** No byte pushed yet (a byte-order mark is only skipped there). */
  private atStart = true;
  /** The first bytes while they might still be the start of a byte-order mark. */
  private head: Buffer | null = null;

  constructor(onPoint: PointHandler, options: LineProtocolParserOptions = {}) {
    this.onPoint = onPoint;
    this.precision = options.precision ?? 'ns';
    this.shift = PRECISION_SHIFT[this.precision];
    this.defaultTimeMs = options.defaultTimeMs;
    this.minTimeMs = options.minTimeMs ?? DEFAULT_MIN_TIME_MS;
    this.maxTimeMs = options.maxTimeMs ?? DEFAULT_MAX_TIME_MS;
    this.keepBadLines = options.keepBadLines ?? DEFAULT_BAD_LINES_KEPT;
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    for (const t of options.knownTokens ?? []) this.intern.add(t);
  }

  /** Feeds a chunk (bytes, or text which is encoded as UTF-8); a line split across chunks is completed by the next one. */
  push(chunk: Uint8Array | string): void {
    // A Buffer view (no copy) for its native indexOf/lastIndexOf.
    let b: Buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (b.length === 0) return;
    if (this.atStart) {
      // A UTF-8 byte-order mark (Windows editors, PowerShell's Out-File) is not part of the first measurement name,
      // even when the first chunks are shorter than it.
      if (this.head !== null) b = Buffer.concat([this.head, b]);
      this.head = null;
      const bom = b[0] === 0xef && (b.length < 2 || b[1] === 0xbb) && (b.length < 3 || b[2] === 0xbf);
      if (bom && b.length < 3) {
        this.head = Buffer.from(b);
        return;
      }
      this.atStart = false;
      if (bom) b = b.subarray(3);
    }
    const split = this.split;
    let pos = 0;
    if (split.inLine) {
      // Complete the carried line with the head of this chunk only (no copy of the whole chunk).
      const e = split.scanLine(b, 0);
      if (e < 0) {
        this.carry(b);
        return;
      }
      this.carry(b.subarray(0, e));
      this.finishCarried(split.innerNewlines);
      pos = e + 1;
    }
    while (pos < b.length) {
      // Almost every line ends at its newline and parses: parseLine takes it when that is certain.
      const nl = b.indexOf(LF, pos);
      if (nl >= 0 && this.parseLine(b, pos, nl, 0, true)) {
        pos = nl + 1;
        continue;
      }
      // A bad or comment line, or one whose quote or backslash might carry it past that newline, or the unfinished
      // last one: its end as InfluxDB finds it.
      const e = split.scanLine(b, pos);
      if (e < 0) {
        this.carry(b.subarray(pos));
        return;
      }
      this.parseLine(b, pos, e, split.innerNewlines, false);
      pos = e + 1;
    }
  }

  /** Parses a last line without a trailing newline. */
  end(): void {
    if (this.head !== null) {
      const head = this.head;
      this.head = null;
      this.atStart = false;
      this.push(head);
    }
    if (this.split.inLine) this.finishCarried(this.split.finish());
  }

  /**
   * Keeps the start of a line that continues in the next chunk. Parts are joined once, when the line ends
   * (no quadratic re-concatenation); a line beyond maxLineBytes is dropped but for its excerpt, so a file
   * without newlines cannot exhaust memory. Copies: the caller may reuse its buffer.
   */
  private carry(part: Buffer): void {
    if (this.overlong !== null) return;
    this.restParts.push(Buffer.from(part));
    this.restBytes += part.length;
    if (this.restBytes > this.maxLineBytes) {
      this.overlong = Buffer.concat(this.restParts).subarray(0, EXCERPT_BYTES + 8);
      this.restParts = [];
      this.restBytes = 0;
    }
  }

  /** Parses the carried line (without its newline), which spans `inner` more lines. */
  private finishCarried(inner: number): void {
    if (this.overlong !== null) {
      const head = this.overlong;
      this.overlong = null;
      const line = this.lines + 1;
      this.lines = line + inner;
      this.dataLines++;
      this.bad(`line longer than ${this.maxLineBytes} bytes`, head, 0, head.length, line);
      return;
    }
    const line = this.restParts.length === 1 ? this.restParts[0] : Buffer.concat(this.restParts);
    this.restParts = [];
    this.restBytes = 0;
    this.parseLine(line, 0, line.length, inner, false);
  }

  /**
   * Parses the line b[start, end) (its newline excluded), which holds `inner` quoted or escaped newlines. When
   * `tentative`, end is merely the next newline: the line is then taken only if it surely ends there, and false
   * returned without any effect otherwise. It surely does when it parsed (then its quotes are the strings' own, and
   * a newline after the last of them is outside any), is no comment (a quote there may open a string for InfluxDB),
   * has no space before the measurement, and has no two backslashes in a row in its series key (the two cases where
   * InfluxDB's splitter could see a quote in a key as opening a string).
   */
  private parseLine(b: Buffer, start: number, end: number, inner: number, tentative: boolean): boolean {
    let stop = end;
    if (stop > start && b[stop - 1] === CR) stop--;
    let i = start;
    let c = 0;
    let spaced = false;
    // InfluxDB skips spaces, tabs and NUL bytes (padding) before the measurement.
    while (i < stop && ((c = b[i]) === SP || c === TAB || c === NUL)) {
      spaced ||= c === SP;
      i++;
    }
    if (i < stop && c === HASH && tentative) return false;
    let reason: string | null = null;
    if (i < stop && c !== HASH) {
      reason = this.parsePoint(b, i, stop);
      if (tentative && (reason !== null || spaced || this.seriesDoubleBackslash)) return false;
    }
    const line = this.lines + 1;
    this.lines = line + inner;
    if (i === stop || c === HASH) return true;
    this.dataLines++;
    const p = this.point;
    p.lineNumber = line;
    p.src = b;
    if (reason === null) {
      const r = this.onPoint(p);
      if (typeof r === 'string') reason = r;
    }
    if (reason === null) {
      this.points++;
      return true;
    }
    // A line running over several lines is usually a stray quote: say where the next lines went.
    if (inner > 0) reason += ` (the line runs over ${inner + 1} lines: a newline inside quotes or after a backslash does not end it)`;
    this.bad(reason, b, i, stop, line);
    return true;
  }

  private bad(reason: string, b: Uint8Array, start: number, end: number, line: number): void {
    this.badLineCount++;
    if (this.badLines.length >= this.keepBadLines) return;
    const long = end - start > EXCERPT_BYTES;
    // Cut at a UTF-8 character start so the excerpt never ends in half a character.
    let cut = long ? start + EXCERPT_BYTES : end;
    while (long && cut > start && (b[cut] & 0xc0) === 0x80) cut--;
    this.badLines.push({ line, reason, excerpt: utf8(b, start, cut) + (long ? '…' : '') });
  }

  /**
   * Parses the measurement and tags in [i, se) (se: the series' end) into the point, by InfluxDB's rules for the
   * series key: a byte right after a backslash is escaped, whatever that backslash is.
   */
  private parseSeries(b: Uint8Array, i: number, se: number): string | null {
    const p = this.point;
    p.tagCount = 0;
    if (b[i] === COMMA) return 'missing measurement';
    if (se - i > MAX_KEY_BYTES) return `series key longer than ${MAX_KEY_BYTES} bytes`;
    // Measurement: up to an unescaped comma.
    let esc = b[i] === BS;
    let j = i + 1;
    for (; j < se; j++) {
      const c = b[j];
      if (c === BS) esc = true;
      else if (c === COMMA && b[j - 1] !== BS) break;
    }
    p.measurement = this.token(b, i, j, esc, NAME_SPECIALS);
    let nt = 0;
    while (j < se) {
      // b[j] is the unescaped comma before a tag.
      const ks = ++j;
      if (ks >= se || b[ks] === COMMA || b[ks] === EQ) return 'empty tag key';
      esc = b[ks] === BS;
      for (j = ks + 1; j < se; j++) {
        const c = b[j];
        if (c === BS) esc = true;
        else if ((c === EQ || c === COMMA) && b[j - 1] !== BS) break;
      }
      const key = this.token(b, ks, j, esc, TAG_SPECIALS);
      if (j >= se || b[j] === COMMA) return `tag ${quote(key)} has no "=" and value`;
      const vs = ++j;
      if (vs >= se || b[vs] === COMMA) return `tag ${quote(key)} has an empty value`;
      // The value's first byte follows the "=", so it is never escaped: InfluxDB reads `k==v` as the value `=v`.
      esc = b[vs] === BS;
      for (j = vs + 1; j < se; j++) {
        const c = b[j];
        if (c === BS) esc = true;
        else if (b[j - 1] !== BS) {
          if (c === COMMA) break;
          if (c === EQ) return `tag ${quote(key)}: unescaped "=" in the value`;
        }
      }
      p.tagKeys[nt] = key;
      p.tagValues[nt] = this.token(b, vs, j, esc, TAG_SPECIALS);
      p.tagCount = ++nt;
    }
    const repeated = repeatedKey(p.tagKeys, nt);
    return repeated === null ? null : `tag key ${quote(repeated)} appears twice (InfluxDB refuses the line)`;
  }

  private token(b: Uint8Array, s: number, e: number, escaped: boolean, specials: string): string {
    return escaped ? unescape(utf8(b, s, e), specials) : this.intern.get(b, s, e);
  }

  /**
   * One KnownKey per key string: a file with more series than the series cache holds stores a new entry, and its
   * field layout, on almost every line (16 000 endpoints: 192 000 times), so the words are made once per key only.
   */
  private knownKey(key: string): KnownKey | undefined {
    let known = this.knownKeys.get(key);
    if (known === undefined && this.knownKeys.size < KNOWN_KEYS_MAX) {
      known = knownKey(key);
      if (known !== undefined) this.knownKeys.set(key, known);
    }
    return known ?? knownKey(key);
  }

  private viewOf(b: Uint8Array): DataView {
    if (this.viewBuffer !== b) {
      this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      this.viewBuffer = b;
    }
    return this.view;
  }

  /** Fills the scratch point; returns null or the reason the line is malformed. */
  private parsePoint(b: Buffer, i: number, end: number): string | null {
    const p = this.point;

    // Series key (measurement and tag set): up to the first space not right after a backslash. Most lines repeat
    // a recent series, whose parsed form the cache hands back after one byte comparison.
    // Its end found natively (twice as fast as a byte loop on 40-byte keys); a space after a backslash is escaped.
    let j = b.indexOf(SP, i + 1);
    while (j >= 0 && j < end && b[j - 1] === BS) j = b.indexOf(SP, j + 1);
    if (j < 0 || j >= end) return b[end - 1] === BS ? DANGLING_BACKSLASH : 'missing field set';
    const seriesBytes = j - i;
    const view = this.viewOf(b);
    let entry = this.series.restore(b, view, i, j, p);
    this.series.tally(entry !== null);
    if (entry === null) {
      const reason = this.parseSeries(b, i, j);
      if (reason !== null) return reason;
      entry = this.series.admits() ? this.series.store(b, i, j, p) : null;
    }
    this.seriesDoubleBackslash = entry === null ? hasDoubleBackslash(b, i, j) : entry.doubleBackslash;
    p.series = entry;

    // Spaces, tabs and NUL bytes, then the field set.
    let c = 0;
    while (j < end && ((c = b[j]) === SP || c === TAB || c === NUL)) j++;
    if (j >= end) return 'missing field set';
    let nf = 0;
    p.fieldCount = 0;
    const layout = entry !== null ? entry.fieldKeys : null;
    for (;;) {
      const ks = j;
      // A series almost always repeats its field keys in the same order: try the key seen at this position
      // last time (a plain byte comparison) before scanning and interning.
      // (The layout has holes where a key was escaped: `m k\ 1=2,x=1` keeps only "x", at position 1.)
      const known = layout !== null ? layout[nf] : undefined;
      let key = known !== undefined ? matchKey(b, view, j, end, known) : null;
      if (key !== null) {
        j += key.length;
      } else {
        j = scanToken(b, j, end);
        if (j < 0) return DANGLING_BACKSLASH;
        if (j >= end || b[j] !== EQ) {
          // "m,t=a 1700000000000000000" has a timestamp where the fields should be.
          if (nf === 0) return 'missing field set';
          return `field ${quote(utf8(b, ks, j))} has no "=" and value`;
        }
        if (j === ks) return 'empty field key';
        // `k\\=1`: InfluxDB's scan takes the "=" as unescaped, its field reader as escaped, and stores a key made of
        // the rest of the field set (or refuses the line): no reading of it is InfluxDB's.
        if (b[j - 1] === BS) return `field ${quote(utf8(b, ks, j))}: a key ending in a backslash cannot be read as InfluxDB reads it`;
        key = this.token(b, ks, j, scanEscaped, NAME_SPECIALS);
        if (layout !== null && !scanEscaped && key.length === j - ks) layout[nf] = this.knownKey(key);
      }
      if (seriesBytes + FIELD_KEY_SEPARATOR_BYTES + (j - ks) > MAX_KEY_BYTES) return `series key and field key ${quote(key)} longer than ${MAX_KEY_BYTES} bytes`;
      const vs = ++j;
      if (j >= end) return `field ${quote(key)} has no value`;
      c = b[j];
      if (c === COMMA || c === SP) return `field ${quote(key)} has no value`;
      if (c === DQ) {
        let esc = false;
        for (j++; j < end; j++) {
          c = b[j];
          if (c === DQ) break;
          if (c === BS) {
            esc = true;
            j++;
          }
        }
        if (j >= end) return 'unterminated quoted string';
        const raw = utf8(b, vs + 1, j);
        p.fieldTypes[nf] = FieldType.String;
        p.fieldNumbers[nf] = NaN;
        p.fieldStrings[nf] = esc ? unescape(raw, STRING_SPECIALS) : raw;
        j++;
        if (j < end && (c = b[j]) !== COMMA && c !== SP) return `field ${quote(key)}: unexpected text after the closing quote`;
      } else {
        const short = this.shortNumber(b, vs, end, nf);
        if (short >= 0) {
          j = short;
        } else {
          for (; j < end; j++) {
            c = b[j];
            if (c === COMMA || c === SP) break;
          }
          const reason = this.scalar(b, vs, j, nf, key);
          if (reason !== null) return reason;
        }
        p.fieldStrings[nf] = '';
      }
      p.fieldKeys[nf] = key;
      p.fieldStart[nf] = vs;
      p.fieldEnd[nf] = j;
      p.fieldCount = ++nf;
      if (j < end && b[j] === COMMA) {
        j++;
        continue;
      }
      break;
    }
    if (nf > 1 && repeatedKey(p.fieldKeys, nf) !== null) p.fieldCount = this.keepLastFields(nf);

    // Optional timestamp after spaces, tabs or NUL bytes; only spaces may follow it (InfluxDB's scanTime).
    while (j < end && ((c = b[j]) === SP || c === TAB || c === NUL)) j++;
    if (j >= end) {
      if (this.defaultTimeMs === undefined) return 'missing timestamp (a point without one cannot be placed in a window)';
      p.timeMs = this.defaultTimeMs;
      return null;
    }
    const ts = j;
    // The timestamp almost always runs to the line's end: parse it as such first (its digit check refuses a space),
    // and find its real end only when that fails, which also words the error.
    if (this.timestamp(b, ts, end) === null) return null;
    while (j < end && b[j] !== SP) j++;
    const te = j;
    while (j < end && b[j] === SP) j++;
    if (j < end) return `unexpected text after the timestamp: ${quote(utf8(b, j, Math.min(end, j + 20)))}`;
    return this.timestamp(b, ts, te);
  }

  /** A repeated field key keeps its last value, as in InfluxDB's field map: drops the earlier ones; returns the new count. */
  private keepLastFields(nf: number): number {
    const p = this.point;
    const keys = p.fieldKeys;
    let w = 0;
    for (let a = 0; a < nf; a++) {
      let later = false;
      for (let k = a + 1; k < nf && !later; k++) later = keys[k] === keys[a];
      if (later) continue;
      if (w !== a) {
        keys[w] = keys[a];
        p.fieldTypes[w] = p.fieldTypes[a];
        p.fieldNumbers[w] = p.fieldNumbers[a];
        p.fieldStrings[w] = p.fieldStrings[a];
        p.fieldStart[w] = p.fieldStart[a];
        p.fieldEnd[w] = p.fieldEnd[a];
      }
      w++;
    }
    return w;
  }

  /**
   * The common field values in one pass: a plain decimal (`-12.5`) or integer (`3i`) of at most 15 digits, ended by
   * a comma, a space or the line's end, is read into slot `nf` as scalar() would read it (the same arithmetic, so the
   * same double), and the index after it returned. Anything else returns -1 and goes the long way (scan, then scalar).
   */
  private shortNumber(b: Uint8Array, s: number, end: number, nf: number): number {
    let k = s;
    const neg = b[k] === MINUS;
    if (neg) k++;
    let mantissa = 0;
    let digits = 0;
    let fracDigits = -1;
    let c = 0;
    for (; k < end; k++) {
      c = b[k];
      if (c >= D0 && c <= D9) {
        mantissa = mantissa * 10 + (c - D0);
        digits++;
        if (fracDigits >= 0) fracDigits++;
      } else if (c === DOT && fracDigits < 0) {
        fracDigits = 0;
      } else {
        break;
      }
    }
    if (digits === 0 || digits > EXACT_DIGITS) return -1;
    const p = this.point;
    if (k < end && c === LOWER_I) {
      // An integer: no dot, and the value ends right after the `i`.
      if (fracDigits >= 0 || (++k < end && (c = b[k]) !== COMMA && c !== SP)) return -1;
      p.fieldTypes[nf] = FieldType.Integer;
      p.fieldNumbers[nf] = neg ? -mantissa : mantissa;
      return k;
    }
    if (k < end && c !== COMMA && c !== SP) return -1;
    const v = fracDigits > 0 ? mantissa / POW10[fracDigits] : mantissa;
    p.fieldTypes[nf] = FieldType.Float;
    p.fieldNumbers[nf] = neg ? -v : v;
    return k;
  }

  /** Parses an unquoted field value at [s, e) into slot `nf`. */
  private scalar(b: Uint8Array, s: number, e: number, nf: number, key: string): string | null {
    const p = this.point;
    const last = b[e - 1];
    if (last === LOWER_I || last === LOWER_U) {
      const unsigned = last === LOWER_U;
      const what = unsigned ? 'an unsigned integer' : 'an integer';
      let k = s;
      const neg = b[k] === MINUS;
      if (neg && !unsigned) k++;
      if (k === e - 1) return `field ${quote(key)}: ${quote(utf8(b, s, e))} is not ${what}`;
      let v = 0;
      for (let q = k; q < e - 1; q++) {
        const d = b[q] - D0;
        if (d < 0 || d > 9) return `field ${quote(key)}: ${quote(utf8(b, s, e))} is not ${what}`;
        v = v * 10 + d;
      }
      // The range on the digits (leading zeros aside), where a double cannot tell 2^63 - 1 from 2^63; a long
      // value from Number(), correctly rounded, where the running sum may be off in the last bit.
      while (k < e - 2 && b[k] === D0) k++;
      if (e - 1 - k > EXACT_DIGITS) {
        if (digitsExceed(b, k, e - 1, unsigned ? UINT64_MAX_DIGITS : neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) {
          return `field ${quote(key)}: ${utf8(b, s, e)} is out of the ${unsigned ? 'uint64' : 'int64'} range`;
        }
        v = Number(utf8(b, k, e - 1));
      }
      p.fieldTypes[nf] = unsigned ? FieldType.Unsigned : FieldType.Integer;
      p.fieldNumbers[nf] = neg ? -v : v;
      return null;
    }
    const bool = parseBooleanBytes(b, s, e);
    if (bool >= 0) {
      p.fieldTypes[nf] = FieldType.Boolean;
      p.fieldNumbers[nf] = bool;
      return null;
    }
    const v = parseFloatBytes(b, s, e);
    if (Number.isNaN(v)) {
      const word = utf8(b, s, e);
      if (NON_FINITE.test(word)) return `field ${quote(key)}: ${quote(word)} is not a number (InfluxDB rejects inf and NaN)`;
      return `field ${quote(key)}: ${quote(word)} is not a number`;
    }
    // 1e400 parses to Infinity: InfluxDB refuses it (out of range), and an infinite latency would poison the quantiles.
    if (!Number.isFinite(v)) return `field ${quote(key)}: ${utf8(b, s, Math.min(e, s + 24))}${e - s > 24 ? '…' : ''} is out of the float64 range`;
    p.fieldTypes[nf] = FieldType.Float;
    p.fieldNumbers[nf] = v;
    return null;
  }

  private timestamp(b: Uint8Array, s: number, e: number): string | null {
    let k = s;
    const neg = b[k] === MINUS;
    if (neg) k++;
    const digits = e - k;
    // Whole milliseconds from the leading digits (exact), the sub-millisecond rest as a fraction, so that a
    // point exactly at a window boundary lands on the right side even for 19-digit nanosecond stamps.
    let ms = 0;
    let frac = 0;
    let bad = digits === 0;
    const split = this.shift > 0 ? e - this.shift : e;
    // (d >>> 0) > 9 tests d < 0 || d > 9 in one comparison.
    if (split - k > 9 && split - k <= EXACT_DIGITS) {
      // The usual 13 digits of milliseconds as two small-integer runs (the last 9 digits below 10^9) instead of one
      // chain of 13 floating-point multiply-adds: the same exact integer (parsing the shuffled 2.3 M-line file: ≈ 8 % less CPU).
      const mid = split - 9;
      let hi = 0;
      for (; k < mid; k++) {
        const d = b[k] - D0;
        if (d >>> 0 > 9) bad = true;
        hi = hi * 10 + d;
      }
      let lo = 0;
      for (; k < split; k++) {
        const d = b[k] - D0;
        if (d >>> 0 > 9) bad = true;
        lo = lo * 10 + d;
      }
      ms = hi * 1e9 + lo;
    }
    for (; k < split; k++) {
      const d = b[k] - D0;
      if (d >>> 0 > 9) bad = true;
      ms = ms * 10 + d;
    }
    for (; k < e; k++) {
      const d = b[k] - D0;
      if (d >>> 0 > 9) bad = true;
      frac = frac * 10 + d;
    }
    if (bad) return `timestamp ${quote(utf8(b, s, e))} is not an integer`;
    const limit = TIME_LIMIT_DIGITS[this.precision];
    // As many digits as the limit and a smaller first one (every nanosecond timestamp of this century): below the
    // limit, and so within int64 too (whose bounds have at least as many digits, starting with the same 9).
    if (digits > limit.length || (digits === limit.length && b[e - digits] >= limit.charCodeAt(0))) {
      // Near the limits, on the digits: int64 (InfluxDB's ParseInt, leading zeros allowed), then the times it stores.
      let z = neg ? s + 1 : s;
      while (z < e - 1 && b[z] === D0) z++;
      if (digitsExceed(b, z, e, neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) return `timestamp ${utf8(b, s, e)} is out of the int64 range`;
      if (digitsExceed(b, z, e, limit)) return `timestamp ${utf8(b, s, e)} (precision ${this.precision}) is outside the times InfluxDB stores (1677-09-21 … 2262-04-11)`;
    }
    if (this.shift > 0) frac /= POW10[this.shift];
    else if (this.shift < 0) ms *= POW10[-this.shift];
    let abs = ms + frac;
    // ms + 0.999999 may round up to ms + 1 (a 1.7e12 double is only 2.4e-4 fine): keep it below the next
    // millisecond so that 1 ns before a window boundary stays before it.
    if (frac > 0 && abs >= ms + 1) abs = ms + (1 - Number.EPSILON * (ms + 1));
    const t = neg ? -abs : abs;
    if (!(t >= this.minTimeMs && t < this.maxTimeMs)) {
      const when = Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : 'out of range';
      const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
      return `timestamp ${utf8(b, s, e)} (precision ${this.precision}) is ${when}, outside ${day(this.minTimeMs)} … ${day(this.maxTimeMs)}; wrong precision?`;
    }
    this.point.timeMs = t;
    return null;
  }
}

/** A key that occurs twice among keys[0, n), or null. */
function repeatedKey(keys: readonly string[], n: number): string | null {
  if (n > PAIRWISE_KEY_CHECK) {
    const seen = new Set<string>();
    for (let a = 0; a < n; a++) {
      if (seen.has(keys[a])) return keys[a];
      seen.add(keys[a]);
    }
    return null;
  }
  for (let a = 1; a < n; a++) for (let k = 0; k < a; k++) if (keys[k] === keys[a]) return keys[a];
  return null;
}

/** 1 for t T true True TRUE, 0 for f F false False FALSE, -1 otherwise (no string allocated). */
export function parseBooleanBytes(b: Uint8Array, s: number, e: number): number {
  const first = b[s];
  // t T f F
  if (first !== 116 && first !== 84 && first !== 102 && first !== 70) return -1;
  const n = e - s;
  for (let w = 0; w < BOOLEAN_WORDS.length; w++) {
    const word = BOOLEAN_WORDS[w];
    if (word.length !== n) continue;
    let k = 0;
    while (k < n && word.charCodeAt(k) === b[s + k]) k++;
    if (k === n) return w < 5 ? 1 : 0;
  }
  return -1;
}

/**
 * Parses a float field value from bytes [s, e): optional '-', digits with an optional '.', optional exponent.
 * Returns NaN when the text is not such a number. Short plain decimals take an exact fast path (an integer
 * mantissa below 2^53 divided by an exact power of ten rounds once, so correctly); the rest goes through Number().
 */
export function parseFloatBytes(b: Uint8Array, s: number, e: number): number {
  let k = s;
  // InfluxDB accepts a leading '-' but not '+'.
  const neg = b[k] === MINUS;
  if (neg) k++;
  let mantissa = 0;
  let digits = 0;
  let fracDigits = 0;
  let seenDot = false;
  for (; k < e; k++) {
    const c = b[k];
    if (c >= D0 && c <= D9) {
      mantissa = mantissa * 10 + (c - D0);
      digits++;
      if (seenDot) fracDigits++;
    } else if (c === DOT && !seenDot) {
      seenDot = true;
    } else if ((c === LOWER_E || c === UPPER_E) && digits > 0) {
      // exponent: [eE][+-]?digits and nothing after
      let q = k + 1;
      if (b[q] === PLUS || b[q] === MINUS) q++;
      if (q >= e) return NaN;
      for (; q < e; q++) if (b[q] < D0 || b[q] > D9) return NaN;
      return Number(utf8(b, s, e));
    } else {
      return NaN;
    }
  }
  if (digits === 0) return NaN;
  if (digits > 15) return Number(utf8(b, s, e));
  const v = mantissa / POW10[fracDigits];
  return neg ? -v : v;
}

/** Parses a whole text (tests, small inputs); returns the parser with its counters and bad lines. */
export function parseLineProtocol(text: string | Uint8Array, onPoint: PointHandler, options: LineProtocolParserOptions = {}): LineProtocolParser {
  const parser = new LineProtocolParser(onPoint, options);
  parser.push(text);
  parser.end();
  return parser;
}
