/**
 * Injection attempts in tag values stay literal values in both dialects: the rendered query is the query
 * for a harmless value with only the quoted literal replaced. (The InfluxQL side is also checked against a
 * real influxd in influx-v1-source.integration.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { cohortGroupBy, ident, num, queryTemplate, renderFlux, renderInfluxQL, str, tagFilter, timeMs } from '../../../src/sources/influx/influx-escape.ts';
import { fluxDateTime, fluxExpression, flux } from '@influxdata/influxdb-client';
import { influxSettingsFromUrl, redactUrl } from '../../../src/sources/influx/influx-config.ts';
import { loadConfig, type Config } from '../../../src/config.ts';
import { createSource } from '../../../src/sources/resolve-source.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { InfluxV2Source } from '../../../src/sources/influx/influx-v2-source.ts';

const EVIL = [`x' OR 1=1 --`, `"); drop(bucket: "telemetry") //`, `a\\' OR ''='`, 'line\nbreak', '${x}'];

/** Unescapes one InfluxQL quoted token starting at text[i] (the quote); returns the value and the end index. */
function readQuoted(text: string, i: number): [string, number] {
  const q = text[i];
  let out = '';
  for (let k = i + 1; k < text.length; k++) {
    const ch = text[k];
    if (ch === '\\') {
      const nx = text[++k];
      out += nx === 'n' ? '\n' : nx;
    } else if (ch === q) return [out, k + 1];
    else if (ch === '\n') throw new Error('raw newline inside a quoted token');
    else out += ch;
  }
  throw new Error('unterminated quote');
}

describe('InfluxQL quoting', () => {
  it('keeps every injection attempt inside one string literal', () => {
    const template = queryTemplate('requests-raw.influxql');
    const params = (services: string[]) => ({
      measurement: ident('http_request'),
      durationField: ident('duration_ms'),
      serviceTag: ident('service'),
      endpointTag: ident('endpoint'),
      start: timeMs(0),
      stop: timeMs(1000),
      filter: tagFilter('service', services),
      cohortGroup: cohortGroupBy(null),
    });
    const benign = renderInfluxQL(template, params(['SAFE']), 't').text;
    for (const evil of EVIL) {
      const text = renderInfluxQL(template, params([evil]), 't').text;
      const at = text.indexOf(`"service" = '`) + `"service" = `.length;
      const [value, end] = readQuoted(text, at);
      expect(value).toBe(evil);
      // the rest of the statement is exactly the benign one
      expect(text.slice(0, at) + `'SAFE'` + text.slice(end)).toBe(benign);
    }
  });

  it('groups by the cohort tag only under a cohort baseline, quoted as an identifier', () => {
    expect(cohortGroupBy(null).text).toBe('');
    expect(cohortGroupBy('variant').text).toBe(', "variant"');
    expect(cohortGroupBy('a" , b').text).toBe(', "a\\" , b"');
  });

  it('quotes identifiers, strings and numbers', () => {
    expect(ident('my "m"\\x').text).toBe('"my \\"m\\"\\\\x"');
    expect(str("it's").text).toBe("'it\\'s'");
    expect(num(0.112202).text).toBe('0.112202');
    expect(() => num(Infinity)).toThrow();
    expect(() => renderInfluxQL('SELECT ${x}', { x: "1; DROP DATABASE d" as never }, 't')).toThrow(/not an escaped fragment/);
  });
});

describe('Flux parameters through the client helpers', () => {
  it('keeps every injection attempt inside one string literal', () => {
    const template = queryTemplate('requests-raw.flux');
    const params = (service: string) => ({
      bucket: 'telemetry',
      start: fluxDateTime('2026-11-20T13:00:00.000Z'),
      stop: fluxDateTime('2026-11-20T14:00:00.000Z'),
      measurement: 'http_request',
      durationField: 'duration_ms',
      serviceTag: 'service',
      endpointTag: 'endpoint',
      filter: fluxExpression(flux`contains(value: r["service"], set: ${[service]})`.toString()),
      keepColumns: ['_time', '_value', 'service', 'endpoint'],
    });
    const benign = renderFlux(template, params('SAFE'), 't').toString();
    for (const evil of EVIL) {
      const text = renderFlux(template, params(evil), 't').toString();
      const at = text.indexOf('set: [') + 'set: ['.length;
      const [value, end] = readQuoted(text, at);
      // Flux string escapes: \" \\ \n and \${ for interpolation
      expect(value.replace(/\$\{/g, '${')).toBe(evil.replace(/\\\$\{/g, '${'));
      expect(text.slice(0, at) + '"SAFE"' + text.slice(end)).toBe(benign);
    }
  });

  it('passes column lists (the cohort tag under a cohort baseline) as escaped string arrays', () => {
    const text = renderFlux('keep(columns: ${keepColumns})', { keepColumns: ['_time', 'variant", r: 1'] }, 't').toString();
    expect(text).toBe('keep(columns: ["_time","variant\\", r: 1"])');
  });

  it('rejects a template with a missing parameter', () => {
    expect(() => renderFlux('from(bucket: ${bucket})', {}, 't')).toThrow(/missing/);
  });
});

describe('--source URLs', () => {
  const config = loadConfig();
  it('parses influx1 with credentials and rp, influx2 with org; redacts user info', () => {
    const v1 = influxSettingsFromUrl('influx1+http://bob:s3cret@db.local:8086/telemetry?rp=week', config, {});
    expect(v1).toMatchObject({ kind: 'influx1', db: 'telemetry', rp: 'week', user: 'bob', password: 's3cret' });
    expect(v1.url.href).toBe('http://db.local:8086/');
    const v2 = influxSettingsFromUrl('influx2+https://cloud.example:443/tele%20metry?org=acme', config, { INFLUX_TOKEN: 't0k' });
    expect(v2).toMatchObject({ kind: 'influx2', bucket: 'tele metry', org: 'acme', token: 't0k', tokenEnv: 'INFLUX_TOKEN' });
    expect(redactUrl('influx1+http://bob:s3cret@db.local:8086/x')).toBe('influx1+http://***@db.local:8086/x');
  });

  it('names what is missing', () => {
    expect(() => influxSettingsFromUrl('influx2+http://h:8086/b', config, {})).toThrow(/needs a bucket and an org/);
    expect(() => influxSettingsFromUrl('influx1+http://h:8086/', config, {})).toThrow(/must name the database/);
    expect(() => influxSettingsFromUrl('influx2+http://u:tok@h:8086/b?org=o', config, {})).toThrow(/INFLUX_TOKEN environment variable, not in the URL/);
  });
});

describe('configured influx sources', () => {
  const base = loadConfig();
  const withSources = (sources: Record<string, unknown>): Config => ({ ...base, sources: { ...base.sources, ...sources } as Config['sources'] });

  it('builds the right source from a config entry or a URL, without credentials in the description', () => {
    const config = withSources({
      legacy: { kind: 'influx1', url: 'http://influx1.internal:8086', db: 'telemetry', rp: 'autogen', mode: { requests: 'auto', upstreams: 'raw' } },
      prod: { kind: 'influx2', url: 'https://influx.example.com:8086', org: 'acme', bucket: 'telemetry', tokenEnv: 'PROD_TOKEN' },
    });
    const v1 = createSource('legacy', config);
    expect(v1).toBeInstanceOf(InfluxV1Source);
    expect(v1.description).toBe('influx1 http://influx1.internal:8086 db=telemetry rp=autogen');
    expect(createSource('prod', config)).toBeInstanceOf(InfluxV2Source);
    const fromUrl = createSource('influx1+http://bob:s3cret@h:8086/db1', config);
    expect(fromUrl).toBeInstanceOf(InfluxV1Source);
    expect(fromUrl.description).not.toContain('s3cret');
    expect(createSource('influx2+https://h:8086/b?org=o', config)).toBeInstanceOf(InfluxV2Source);
  });

  it('rejects a bad entry with BAD_INPUT naming the source and field', () => {
    expect(() => createSource('x', withSources({ x: { kind: 'influx1', url: 'http://h:8086' } }))).toThrow(/config sources\.x: invalid value at "db"/);
    expect(() => createSource('x', withSources({ x: { kind: 'influx2', url: 'http://h:8086', org: 'o', bucket: 'b', mode: 'fast' } }))).toThrow(/config sources\.x: invalid value at "mode"/);
    expect(() => createSource('x', withSources({ x: { kind: 'influx2', url: 'http://h:8086', org: 'o', bucket: 'b', token: 'inline' } }))).toThrow(/config sources\.x: invalid value at "token"/);
    expect(() => createSource('x', withSources({ x: { kind: 'influx1', url: 'http://h', db: 'd', schema: { request: { measurement: '' } } } }))).toThrow(/config sources\.x\.schema: invalid value at "request\.measurement"/);
  });
});
