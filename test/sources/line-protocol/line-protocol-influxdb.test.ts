/**
 * Our line-protocol reading against InfluxDB's own parser, case by case: the inputs of InfluxDB's models tests
 * (influxdb-points-cases.json, every call `go test ./models` makes to the parser), our edge inputs of real exports
 * (influxdb-edge-cases.json) and 600 random combinations of tricky fragments (influxdb-fuzz-cases.json), each with
 * the outcome InfluxDB's parser gives, line by line (the point or a refusal). Theme by theme, every case agrees but
 * the intended differences listed below. How the fixtures were made: test/fixtures/lp/influxdb/README.md; the edge
 * inputs also go to a real InfluxDB in line-protocol.integration.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { differences, differingLines, influxOutcomes, inputOf, loadCases, ourOutcomes, PRECISIONS, type InfluxCase, type Outcome } from './influxdb-cases.ts';

const points = loadCases('influxdb-points-cases.json');
const edges = loadCases('influxdb-edge-cases.json');
const randoms = loadCases('influxdb-fuzz-cases.json');

/** First match wins; tested against the case id (InfluxDB's Test function, or the edge input's name). */
const THEMES: Array<[string, RegExp]> = [
  ['lines: newlines inside quotes, escaped newlines, blank and comment lines, whitespace, NUL padding, CR', /NoValue|Whitespace|Blank|Comments|Newline|ExtraBuffer|MissingQuote|Unbalanced|QuotesIn|^string-|^unterminated-|^quote-|^backslash-newline|^nul-|^crlf-|^byte-order|^tab-|^spaces-|^leading-|^series-/],
  ['escaping in the measurement, tags and keys (a backslash before an escaped character)', /Unescape|Escape|Quoted|TrailingSlash|Backslash|Point_Tags|^tag-|^measurement-|^field-key-/],
  ['duplicate tag keys (refused) and field keys (the last value wins)', /Duplicate|^duplicate-/],
  ['timestamps, precisions and the time range', /Timestamp|Precision|^timestamp-/],
  ['structure: missing measurement, tags, fields; many tags; key length', /Missing|NoFields|InvalidTagFormat|WithTags|VariousTags|LargeNumberOfTags|KeyUnsorted|MaxKey|ToString/],
  ['numbers at the int64, uint64 and float64 limits; booleans', /Int|Uint|Float|Number|Negative|Scientific|NaN|Bool|^int|^uint|^integer-|^float-|^boolean/],
  ['strings and field sets', /String|Field|Unicode|^text-after|^empty-string|^utf8/],
];

type Kind = 'we read what InfluxDB refuses' | 'we refuse what InfluxDB reads' | 'we read it differently' | 'not offered';

/** Where we deliberately differ from InfluxDB's parser (README, "Input data"). */
const INTENDED: Record<string, { kind: Kind; why: string }> = {
  'TestParsePointsWithPrecision#6': { kind: 'not offered', why: 'precision m (minutes): --precision offers ns, us, ms and s' },
  'TestParsePointsWithPrecision#7': { kind: 'not offered', why: 'precision h (hours)' },
  'TestParsePointsWithPrecisionNoTime#6': { kind: 'not offered', why: 'precision m (minutes)' },
  'TestParsePointsWithPrecisionNoTime#7': { kind: 'not offered', why: 'precision h (hours)' },
  'crlf-line-ends': { kind: 'we read what InfluxDB refuses', why: 'CRLF line ends: InfluxDB reads the CR into the timestamp ("bad timestamp")' },
  'crlf-line-without-timestamp-value': { kind: 'we read it differently', why: 'CRLF line ends: InfluxDB keeps the CR in the last value (here the string `a"`)' },
  'byte-order-mark': { kind: 'we read it differently', why: 'a UTF-8 byte-order mark at the start: InfluxDB makes it part of the first measurement name' },
  'text-after-closing-quote': { kind: 'we refuse what InfluxDB reads', why: 'x="a"b: InfluxDB stores the mangled string `a"`' },
  'field-key-ending-in-escaped-backslash': { kind: 'we refuse what InfluxDB reads', why: 'x\\\\=1,y=2: InfluxDB scans the "=" as unescaped but reads it as escaped, and stores the field `x\\=1,y` = 2' },
};

function themeOf(id: string): string | undefined {
  return THEMES.find(([, re]) => re.test(id))?.[0];
}

function kindOf(influx: Outcome[], ours: Outcome[], lines: number[]): Kind {
  if (lines.some((i) => 'error' in influx[i] && 'point' in ours[i])) return 'we read what InfluxDB refuses';
  if (lines.some((i) => 'point' in influx[i] && 'error' in ours[i])) return 'we refuse what InfluxDB reads';
  return 'we read it differently';
}

function check(c: InfluxCase): void {
  const intended = INTENDED[c.id];
  if (PRECISIONS[c.precision] === undefined) {
    expect(intended?.kind, `${c.id}: precision ${c.precision} is not offered but not listed as intended`).toBe('not offered');
    return;
  }
  const influx = influxOutcomes(c);
  const ours = ourOutcomes(c);
  const label = `${c.id}: ${JSON.stringify(inputOf(c).toString('utf8').slice(0, 200))}`;
  // Where lines end always agrees, intended differences included.
  expect(ours.length, label).toBe(influx.length);
  const lines = differingLines(influx, ours);
  if (intended === undefined) expect(differences(influx, ours), label).toEqual([]);
  else expect(lines.length > 0 ? kindOf(influx, ours, lines) : 'no difference', `${c.id} (intended: ${intended.why})`).toBe(intended.kind);
}

/** Our refusals of lines InfluxDB reads (mangled) that INTENDED lists, recognised in random cases by their reason. */
const INTENDED_REFUSALS = [/unexpected text after the closing quote/, /a key ending in a backslash/];

/** A random case may differ only on lines with an intended difference: a CR in the input, or an intended refusal. */
function checkRandom(c: InfluxCase): void {
  const influx = influxOutcomes(c);
  const ours = ourOutcomes(c);
  const label = `${c.id}: ${JSON.stringify(inputOf(c).toString('utf8'))}`;
  expect(ours.length, label).toBe(influx.length);
  const crlf = inputOf(c).includes(13);
  const unexplained = differingLines(influx, ours).filter((i) => {
    const o = ours[i];
    return !crlf && !('error' in o && 'point' in influx[i] && INTENDED_REFUSALS.some((re) => re.test(o.error)));
  });
  expect(unexplained.map((i) => differences([influx[i]], [ours[i]])[0]), label).toEqual([]);
}

describe('line protocol vs InfluxDB: the fixtures', () => {
  it('name the InfluxDB commit they come from and hold every test function that parses', () => {
    expect(points.source.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(points.source.ref).toBe('master-1.x');
    expect(edges.source.commit).toBe(points.source.commit);
    expect(new Set(points.cases.map((c) => c.id.split('#')[0])).size).toBeGreaterThanOrEqual(70);
    expect(points.cases.length).toBeGreaterThanOrEqual(200);
  });

  it('sort every case into a theme, and list only cases that exist as intended differences', () => {
    const all = [...points.cases, ...edges.cases];
    expect(all.filter((c) => themeOf(c.id) === undefined).map((c) => c.id)).toEqual([]);
    const ids = new Set(all.map((c) => c.id));
    expect(Object.keys(INTENDED).filter((id) => !ids.has(id))).toEqual([]);
  });
});

for (const [name, file] of [
  ["InfluxDB's own test inputs", points],
  ['edge inputs of real exports', edges],
] as const) {
  describe(`line protocol vs InfluxDB's parser: ${name}`, () => {
    for (const [theme] of THEMES) {
      const cases = file.cases.filter((c) => themeOf(c.id) === theme);
      if (cases.length === 0) continue;
      it(`${theme} (${cases.length} cases)`, () => {
        for (const c of cases) check(c);
      });
    }
  });
}

describe("line protocol vs InfluxDB's parser: random combinations of tricky fragments", () => {
  it(`agree but for the intended differences (${randoms.cases.length} inputs of 1 to 3 lines)`, () => {
    expect(randoms.source.commit).toBe(points.source.commit);
    for (const c of randoms.cases) checkRandom(c);
  });
});

describe('line protocol vs InfluxDB: streaming', () => {
  it('reads every case the same whatever the chunk boundaries (inside quotes, escapes, CRLF and UTF-8)', () => {
    for (const c of [...points.cases, ...edges.cases, ...randoms.cases]) {
      if (PRECISIONS[c.precision] === undefined) continue;
      const whole = ourOutcomes(c);
      const sizes = inputOf(c).length <= 4096 ? [1, 2, 3, 7, 64] : [7, 4096];
      for (const size of sizes) expect(ourOutcomes(c, size), `${c.id} in chunks of ${size}`).toEqual(whole);
    }
  });
});
