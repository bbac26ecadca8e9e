import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/stats/seeded-random.ts';
import { FieldType, LineProtocolParser, parseLineProtocol, type LineProtocolParserOptions, type LineProtocolPoint } from '../../../src/sources/line-protocol/line-protocol.ts';

const FIXTURES = new URL('../../fixtures/lp/', import.meta.url);
const TYPE_NAMES = ['float', 'integer', 'unsigned', 'boolean', 'string'];
const T0 = '1763647200000000000'; // 2025-11-20T14:00:00Z in ns
const T0_MS = 1_763_647_200_000;

/** A plain copy of the scratch point (the parser reuses it for the next line). */
function snapshot(p: LineProtocolPoint) {
  const fields: Record<string, { type: string; value: unknown }> = {};
  for (let i = 0; i < p.fieldCount; i++) {
    const t = p.fieldTypes[i];
    fields[p.fieldKeys[i]] = {
      type: TYPE_NAMES[t],
      value: t === FieldType.String ? p.fieldStrings[i] : t === FieldType.Boolean ? p.fieldNumbers[i] === 1 : p.fieldNumbers[i],
    };
  }
  const tags: Record<string, string> = {};
  for (let i = 0; i < p.tagCount; i++) tags[p.tagKeys[i]] = p.tagValues[i];
  return { line: p.lineNumber, measurement: p.measurement, tags, fields, timeMs: p.timeMs };
}

function parseAll(text: string | Uint8Array, options: LineProtocolParserOptions = {}) {
  const points: ReturnType<typeof snapshot>[] = [];
  const parser = parseLineProtocol(text, (p) => void points.push(snapshot(p)), options);
  return { points, parser };
}

/** The reason for the one line of `line`, which must be rejected. */
function reasonFor(line: string, options: LineProtocolParserOptions = {}): string {
  const { parser, points } = parseAll(line, options);
  expect(points).toEqual([]);
  expect(parser.badLineCount).toBe(1);
  return parser.badLines[0].reason;
}

describe('line protocol: conformance fixture', () => {
  it('parses every escaping rule, quoted strings, booleans, numbers and UTF-8 as recorded', () => {
    const expected = JSON.parse(readFileSync(new URL('conformance.expected.json', FIXTURES), 'utf8'));
    const { points, parser } = parseAll(readFileSync(new URL('conformance.lp', FIXTURES)));
    expect(points).toEqual(expected.points);
    expect(parser.badLines).toEqual([]);
    expect(parser.lines).toBe(14);
    expect(parser.dataLines).toBe(11);
  });

  it('gives the same result whatever the chunk boundaries (split inside lines and UTF-8 characters)', () => {
    const bytes = readFileSync(new URL('conformance.lp', FIXTURES));
    const whole = parseAll(bytes).points;
    for (const size of [1, 2, 3, 7, 64]) {
      const points: ReturnType<typeof snapshot>[] = [];
      const parser = new LineProtocolParser((p) => void points.push(snapshot(p)));
      for (let o = 0; o < bytes.length; o += size) parser.push(bytes.subarray(o, o + size));
      parser.end();
      expect(points).toEqual(whole);
    }
  });
});

describe('line protocol: syntax', () => {
  it('accepts CRLF line endings, comments, blank lines and a last line without newline', () => {
    const { points, parser } = parseAll(`# header\r\n\r\nm,t=a x=1 ${T0}\r\n   \r\n  # indented comment\nm x=2i ${T0}`);
    expect(points.map((p) => [p.line, p.tags, p.fields.x.value])).toEqual([
      [3, { t: 'a' }, 1],
      [6, {}, 2],
    ]);
    expect(parser.lines).toBe(6);
    expect(parser.dataLines).toBe(2);
  });

  it('reads quoted strings with spaces, commas, equals signs and escapes', () => {
    const { points } = parseAll(`m s="a b,c=d",q="say \\"hi\\"",b="C:\\\\dir",o="\\t stays" ${T0}`);
    expect(points[0].fields).toEqual({
      s: { type: 'string', value: 'a b,c=d' },
      q: { type: 'string', value: 'say "hi"' },
      b: { type: 'string', value: 'C:\\dir' },
      o: { type: 'string', value: '\\t stays' },
    });
  });

  it('knows all ten boolean spellings and nothing else', () => {
    const words = ['t', 'T', 'true', 'True', 'TRUE', 'f', 'F', 'false', 'False', 'FALSE'];
    const { points } = parseAll(`m ${words.map((w, i) => `b${i}=${w}`).join(',')} ${T0}`);
    expect(Object.values(points[0].fields).map((f) => f.value)).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(reasonFor(`m b=tRUE ${T0}`)).toBe('field "b": "tRUE" is not a number');
    expect(reasonFor(`m b=yes ${T0}`)).toBe('field "b": "yes" is not a number');
  });

  it('parses integer, unsigned and float forms', () => {
    const { points } = parseAll(`m a=1i,b=-7i,c=0u,d=3,e=-0.25,f=6.02e23,g=1E-2,h=.5,i=5.,j=123456789012345678 ${T0}`);
    expect(points[0].fields).toEqual({
      a: { type: 'integer', value: 1 },
      b: { type: 'integer', value: -7 },
      c: { type: 'unsigned', value: 0 },
      d: { type: 'float', value: 3 },
      e: { type: 'float', value: -0.25 },
      f: { type: 'float', value: 6.02e23 },
      g: { type: 'float', value: 0.01 },
      h: { type: 'float', value: 0.5 },
      i: { type: 'float', value: 5 },
      j: { type: 'float', value: Number('123456789012345678') },
    });
  });

  it('rounds short decimals exactly like Number()', () => {
    const values = ['0.1', '0.3', '123.456', '999999.999999', '-2.675', '1.7976931348623157', '0.000001'];
    const { points } = parseAll(`m ${values.map((v, i) => `v${i}=${v}`).join(',')} ${T0}`);
    expect(Object.values(points[0].fields).map((f) => f.value)).toEqual(values.map(Number));
  });

  it('reads a number the same whether it ends at a comma, a space or the line\'s end, and refuses the same near-numbers', () => {
    const good = ['1.', '.5', '-0', '007', '-12.5', '123456789012345', '1234567890123456', '0.000001'];
    for (const v of good) {
      const { points } = parseAll(`m a=${v},b=${v} ${T0}\nm b=${v}`, { defaultTimeMs: T0_MS });
      expect(points.map((p) => p.fields.b.value)).toEqual([Number(v), Number(v)]);
      expect(Object.is(points[0].fields.a.value, Number(v))).toBe(true);
    }
    const { points } = parseAll(`m a=-12i,b=0i,c=007i ${T0}`);
    expect(points[0].fields).toEqual({ a: { type: 'integer', value: -12 }, b: { type: 'integer', value: 0 }, c: { type: 'integer', value: 7 } });
    expect(reasonFor(`m x=12i3 ${T0}`)).toBe('field "x": "12i3" is not a number');
    expect(reasonFor(`m x=1.5i ${T0}`)).toBe('field "x": "1.5i" is not an integer');
    expect(reasonFor(`m x=1.2.3 ${T0}`)).toBe('field "x": "1.2.3" is not a number');
    expect(reasonFor(`m x=-i ${T0}`)).toBe('field "x": "-i" is not an integer');
    expect(reasonFor(`m x=1\t2 ${T0}`)).toBe('field "x": "1\\t2" is not a number');
  });

  it('converts timestamps of every precision to epoch ms exactly at the millisecond', () => {
    const cases: Array<[LineProtocolParserOptions['precision'], string, number]> = [
      ['ns', '1763647200123456789', T0_MS + 123.456789],
      ['us', '1763647200123456', T0_MS + 123.456],
      ['ms', '1763647200123', T0_MS + 123],
      ['s', '1763647200', T0_MS],
    ];
    for (const [precision, ts, ms] of cases) {
      const { points } = parseAll(`m x=1 ${ts}`, { precision });
      expect(points[0].timeMs).toBeCloseTo(ms, 6);
    }
    // The whole-millisecond part is exact even where a 19-digit ns value is not representable.
    const { points } = parseAll(`m x=1 1763647199999999999\nm x=1 1763647200000000000`);
    expect(points[0].timeMs).toBeLessThan(T0_MS);
    expect(points[1].timeMs).toBe(T0_MS);
  });

  it('reads a timestamp followed by spaces like one at the end of the line, and words the errors of text after it as before', () => {
    const { points, parser } = parseAll(`m x=1 ${T0}   \nm x=2 ${T0}\t\nm x=3 ${T0} 5\nm x=4 ${T0}`);
    expect(points.map((p) => [p.fields.x.value, p.timeMs])).toEqual([
      [1, T0_MS],
      [4, T0_MS],
    ]);
    expect(parser.badLines.map((b) => [b.line, b.reason])).toEqual([
      [2, `timestamp "${T0}\\t" is not an integer`],
      [3, 'unexpected text after the timestamp: "5"'],
    ]);
  });

  it('places points without a timestamp only when a default time is given', () => {
    expect(reasonFor('m x=1')).toBe('missing timestamp (a point without one cannot be placed in a window)');
    const { points } = parseAll('m x=1\n', { defaultTimeMs: T0_MS });
    expect(points[0].timeMs).toBe(T0_MS);
  });

  it('keeps field and tag strings out of the way of later lines (scratch point reuse)', () => {
    const kept: string[] = [];
    parseLineProtocol(`m,host=a x=1 ${T0}\nm,host=b x=1 ${T0}\nm,host=a x=1 ${T0}`, (p) => void kept.push(p.tag('host') ?? '?'));
    expect(kept).toEqual(['a', 'b', 'a']);
  });
});

describe('line protocol: malformed lines', () => {
  const cases: Array<[string, string]> = [
    [`m duration_ms=abc ${T0}`, 'field "duration_ms": "abc" is not a number'],
    [`m s="never closed ${T0}`, 'unterminated quoted string'],
    [`m s="escaped quote at end\\" ${T0}`, 'unterminated quoted string'],
    ['m x=1 12x', 'timestamp "12x" is not an integer'],
    ['m x=1 -', 'timestamp "-" is not an integer'],
    [`m,t=a ${T0}`, 'missing field set'],
    ['m', 'missing field set'],
    ['m,t=a', 'missing field set'],
    [`m,t=a  `, 'missing field set'],
    [`,t=a x=1 ${T0}`, 'missing measurement'],
    [`m,=a x=1 ${T0}`, 'empty tag key'],
    [`m,t= x=1 ${T0}`, 'tag "t" has an empty value'],
    [`m,t x=1 ${T0}`, 'tag "t" has no "=" and value'],
    [`m,t=a=b x=1 ${T0}`, 'tag "t": unescaped "=" in the value'],
    [`m x=1,y ${T0}`, 'field "y" has no "=" and value'],
    [`m x= ${T0}`, 'field "x" has no value'],
    [`m x=1,=2 ${T0}`, 'empty field key'],
    [`m x=1,y=,z=2 ${T0}`, 'field "y" has no value'],
    [`m x="a"b ${T0}`, 'field "x": unexpected text after the closing quote'],
    [`m x=1.5i ${T0}`, 'field "x": "1.5i" is not an integer'],
    [`m x=-3u ${T0}`, 'field "x": "-3u" is not an unsigned integer'],
    [`m x=i ${T0}`, 'field "x": "i" is not an integer'],
    [`m x=99999999999999999999i ${T0}`, 'field "x": 99999999999999999999i is out of the int64 range'],
    [`m x=inf ${T0}`, 'field "x": "inf" is not a number (InfluxDB rejects inf and NaN)'],
    [`m x=NaN ${T0}`, 'field "x": "NaN" is not a number (InfluxDB rejects inf and NaN)'],
    [`m x=+1 ${T0}`, 'field "x": "+1" is not a number'],
    [`m x=1e ${T0}`, 'field "x": "1e" is not a number'],
    [`m x=1.2.3 ${T0}`, 'field "x": "1.2.3" is not a number'],
    [`m x=1 ${T0} extra`, 'unexpected text after the timestamp: "extra"'],
    ['m x=1 12345678901234567890', 'timestamp 12345678901234567890 is out of the int64 range'],
    ['m x=1 1763647200', 'timestamp 1763647200 (precision ns) is 1970-01-01T00:00:01.763Z, outside 2000-01-01 … 2200-01-01; wrong precision?'],
    ['m x=1 -1763647200000000000', 'timestamp -1763647200000000000 (precision ns) is 1914-02-11T10:00:00.000Z, outside 2000-01-01 … 2200-01-01; wrong precision?'],
    [`m,t=a\\`, 'backslash at end of line'],
    [`m x=1,k\\`, 'backslash at end of line'],
  ];
  it.each(cases)('%s → %s', (line, reason) => {
    expect(reasonFor(line)).toBe(reason);
  });

  it('counts every bad line, keeps the first ten with line number, reason and excerpt', () => {
    const lines = [`ok x=1 ${T0}`];
    for (let i = 0; i < 15; i++) lines.push(`bad x=oops${i} ${T0}`);
    lines.push(`ok x=2 ${T0}`);
    const { points, parser } = parseAll(lines.join('\n'));
    expect(points).toHaveLength(2);
    expect(parser.badLineCount).toBe(15);
    expect(parser.badLines).toHaveLength(10);
    expect(parser.badLines[0]).toEqual({ line: 2, reason: 'field "x": "oops0" is not a number', excerpt: `bad x=oops0 ${T0}` });
    expect(parser.badLines[9].line).toBe(11);
  });

  it('shortens long excerpts without cutting a UTF-8 character', () => {
    const line = `m,t=${'ä'.repeat(60)} x=bad ${T0}`;
    const { parser } = parseAll(line);
    const { excerpt } = parser.badLines[0];
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt).not.toContain('\uFFFD');
    expect(line.startsWith(excerpt.slice(0, -1))).toBe(true);
  });

  it('skips a line longer than maxLineBytes without holding it, and goes on after it', () => {
    const points: number[] = [];
    const parser = new LineProtocolParser((p) => void points.push(p.fieldNumbers[0]), { maxLineBytes: 1000 });
    parser.push(`m x=1 ${T0}\nm s="`);
    for (let i = 0; i < 50; i++) parser.push('y'.repeat(100));
    parser.push(`" ${T0}\nm x=2 ${T0}\nm s="${'z'.repeat(2000)}`);
    parser.end();
    expect(points).toEqual([1, 2]);
    expect(parser.lines).toBe(4);
    expect(parser.badLines).toEqual([
      { line: 2, reason: 'line longer than 1000 bytes', excerpt: `m s="${'y'.repeat(75)}…` },
      { line: 4, reason: 'line longer than 1000 bytes', excerpt: `m s="${'z'.repeat(75)}…` },
    ]);
  });

  it('lets the handler reject a point with its own reason', () => {
    const parser = parseLineProtocol(`m x=1 ${T0}\nm x=-1 ${T0}`, (p) => (p.fieldNumbers[0] < 0 ? `field "x": ${p.fieldText(0)} is negative` : null));
    expect(parser.points).toBe(1);
    expect(parser.badLines).toEqual([{ line: 2, reason: 'field "x": -1 is negative', excerpt: `m x=-1 ${T0}` }]);
  });

  // This case used an unterminated quote (`s="open`) as the bad line. InfluxDB keeps a newline inside quotes (issue
  // 14 item 18), so that quote now runs to the end of the input, as the next test shows; any other bad line still
  // leaves the next line alone.
  it('recovers after a bad line: the next line parses normally', () => {
    const { points, parser } = parseAll(`m,t=a s=open\nm,t=b x=2 ${T0}`);
    expect(parser.badLines[0]).toMatchObject({ line: 1, reason: 'field "s": "open" is not a number' });
    expect(points).toEqual([{ line: 2, measurement: 'm', tags: { t: 'b' }, fields: { x: { type: 'float', value: 2 } }, timeMs: T0_MS }]);
  });

  it('keeps newlines inside quotes as InfluxDB does: an unterminated quote runs to the end of the input, and the message says so', () => {
    const { points, parser } = parseAll(`m,t=a s="open\nm,t=b x=2 ${T0}\nm,t=c x=3 ${T0}`);
    expect(points).toEqual([]);
    expect(parser.lines).toBe(3);
    expect(parser.dataLines).toBe(1);
    expect(parser.badLines).toEqual([
      {
        line: 1,
        reason: 'unterminated quoted string (the line runs over 3 lines: a newline inside quotes or after a backslash does not end it)',
        excerpt: `m,t=a s="open\nm,t=b x=2 ${T0}\nm,t=c x=3 ${T0}`,
      },
    ]);
  });
});

describe('line protocol: field keys remembered per series', () => {
  it('reads a series whose first field key is escaped and a later one is not, line after line (it used to throw a TypeError)', () => {
    const line = `m k\\ 1=2,x=1 ${T0}`;
    const { points, parser } = parseAll(`${line}\n${line}\n${line}`);
    expect(parser.badLines).toEqual([]);
    expect(points.map((p) => p.fields)).toEqual(Array(3).fill({ 'k 1': { type: 'float', value: 2 }, x: { type: 'float', value: 1 } }));
  });
});

describe('line protocol: series cache and reused buffers', () => {
  it('does not mistake a new series key for a cached one when the caller reuses its buffer (the file source does)', () => {
    // "m,t=aa" and "m,x=aa" sample to the same cache slot; the cache must own its copy of the first key's bytes,
    // not a view of the buffer that the second chunk overwrites with the second key.
    const seen: string[] = [];
    const parser = new LineProtocolParser((p) => void seen.push(`${p.measurement} ${p.tagKeys[0]}=${p.tagValues[0]}`));
    const buffer = Buffer.alloc(64);
    for (const line of [`m,t=aa f=1 ${T0}\n`, `m,x=aa f=2 ${T0}\n`]) {
      buffer.write(line);
      parser.push(buffer.subarray(0, Buffer.byteLength(line)));
    }
    parser.end();
    expect(seen).toEqual(['m t=aa', 'm x=aa']);
  });

  it('tells apart series keys of one cache slot that differ only in a byte the hash skips, in a whole word or in the tail', () => {
    // 12 and 14 bytes: the hash samples bytes 0, 3, 6, 8, 11 and 0, 3, 7, 10, 13; the cache compares whole 4-byte
    // words, then the 0–3 bytes after them (byte 5 lies in a word, byte 12 of the longer keys in the tail).
    const keys = ['m,t=abcdefgh', 'm,t=aYcdefgh', 'm,t=abcdefghij', 'm,t=abcdefghYj'];
    const seen: string[] = [];
    const parser = new LineProtocolParser((p) => void seen.push(`${p.tagValues[0]} ${p.fieldKeys.slice(0, p.fieldCount).join(',')}`));
    const lines = [0, 1, 0, 1, 2, 3, 2, 3].map((k, i) => `${keys[k]} ${i % 2 === 0 ? 'abcd' : 'abce'}=1,ok=t ${T0}\n`);
    parser.push(lines.join(''));
    parser.end();
    expect(parser.badLines).toEqual([]);
    expect(seen).toEqual(['abcdefgh abcd,ok', 'aYcdefgh abce,ok', 'abcdefgh abcd,ok', 'aYcdefgh abce,ok', 'abcdefghij abcd,ok', 'abcdefghYj abce,ok', 'abcdefghij abcd,ok', 'abcdefghYj abce,ok']);
  });

  it('finds the end of a series key past escaped spaces', () => {
    const { points, parser } = parseAll(`m,t=a\\ b\\ c f=1 ${T0}\nm,t=a\\ b\\ c f=2 ${T0}\nm\\ x f=3 ${T0}`);
    expect(parser.badLines).toEqual([]);
    expect(points.map((p) => [p.measurement, p.tags, p.fields.f.value])).toEqual([
      ['m', { t: 'a b c' }, 1],
      ['m', { t: 'a b c' }, 2],
      ['m x', {}, 3],
    ]);
  });
});

describe('line protocol: a cold series cache', () => {
  /** Distinct series on every line: the cache goes cold (no hits in 4 096 lookups) and stores few keys after that. */
  const distinct = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `m,svc=s${(from + i) % 7},ep=/e${from + i} d=${from + i} ${T0}`);

  it('parses every line the same while most keys go unstored, and warms again when series repeat', () => {
    const hot = Array.from({ length: 10_000 }, (_, i) => `m,svc=s0,ep=/hot${i % 10} d=${i} ${T0}`);
    const lines = [...distinct(20_000), ...hot, ...distinct(5_000, 20_000)];
    const { points, parser } = parseAll(lines.join('\n'));
    expect(parser.badLines).toEqual([]);
    const expected = lines.map((l) => {
      const m = /svc=(\w+),ep=(\S+) d=(\d+)/.exec(l)!;
      return [m[1], m[2], Number(m[3])];
    });
    expect(points.map((p) => [p.tags.svc, p.tags.ep, p.fields.d.value])).toEqual(expected);
  });

  it('finds the same points and bad lines for keys with backslashes, quotes and spaces whether their keys were stored or not', () => {
    // Keys of random bytes among backslash, quote, space, comma, "=" and letters, some fields quoted across a newline
    // (a stored key carries whether it holds two backslashes in a row, which decides how a line's end is found; an
    // unstored one must give the same): parsed on their own (every key stored) and after 20 000 distinct series (most not).
    const r = seededRandom(77);
    const alphabet = ['a', 'b', '\\', '\\', '"', ' ', ',', '='];
    const word = (n: number) => Array.from({ length: n }, () => alphabet[r.int(alphabet.length)]).join('');
    const tricky = Array.from({ length: 4_000 }, (_, i) => `m,svc=s${word(1 + r.int(4))}${i},ep=/q${word(r.int(3))} d=${i}${r.uniform() < 0.2 ? ',n="a\nb"' : ''} ${T0}`);
    const shift = (result: ReturnType<typeof parseAll>, lines: number) => ({
      points: result.points.filter((p) => p.line > lines).map((p) => ({ ...p, line: p.line - lines })),
      bad: result.parser.badLines.map((b) => b.line - lines).filter((line) => line > 0),
    });
    const alone = shift(parseAll(tricky.join('\n'), { keepBadLines: 10_000 }), 0);
    const afterCold = shift(parseAll([...distinct(20_000), ...tricky].join('\n'), { keepBadLines: 10_000 }), 20_000);
    expect(afterCold).toEqual(alone);
    expect(alone.points.length).toBeGreaterThan(1_000);
    expect(alone.bad.length).toBeGreaterThan(100);
  });
});

describe('line protocol: interning', () => {
  it('returns the pre-seeded schema names as the very same string objects', () => {
    const known = ['http_request', 'service', 'duration_ms'];
    const seen: string[] = [];
    parseLineProtocol(`http_request,service=shop duration_ms=1 ${T0}`, (p) => void seen.push(p.measurement, p.tagKeys[0], p.fieldKeys[0]), { knownTokens: known });
    expect(seen[0]).toBe(known[0]);
    expect(seen[1]).toBe(known[1]);
    expect(seen[2]).toBe(known[2]);
  });

  it('still returns correct strings when many distinct tag values evict each other', () => {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(`m,id=host-${i % 5000} x=${i} ${T0}`);
    const ids: string[] = [];
    parseLineProtocol(lines.join('\n'), (p) => void ids.push(p.tag('id') ?? ''));
    expect(ids.every((id, i) => id === `host-${i % 5000}`)).toBe(true);
  });
});

describe('line protocol: floats beyond float64', () => {
  it('rejects a float that overflows to Infinity (InfluxDB answers "out of range"); it used to reach the samples as Infinity', () => {
    expect(reasonFor(`m x=1e400 ${T0}`)).toBe('field "x": 1e400 is out of the float64 range');
    expect(reasonFor(`m x=-${'9'.repeat(400)} ${T0}`)).toMatch(/is out of the float64 range$/);
  });
});
