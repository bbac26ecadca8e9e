/**
 * Every PromQL the Prometheus source sends — each template in queries/*.promql, with the default and a custom
 * label mapping, with and without filters, with injection attempts in the filter values — is parsed by the
 * official PromQL grammar (@prometheus-io/lezer-promql) without an error node; label values come back unchanged.
 * Also the range plan (11 000 points per series, remainders) and the URL / config validation.
 */
import { readdirSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { prometheusSettings, prometheusSettingsFromUrl } from '../../../src/sources/prometheus/prometheus-config.ts';
import { PrometheusSource } from '../../../src/sources/prometheus/prometheus-source.ts';
import { selector } from '../../../src/sources/prometheus/promql.ts';
import { planWindow } from '../../../src/sources/prometheus/range-plan.ts';
import type { MetricQuery } from '../../../src/sources/metric-source.ts';

const config = loadConfig();
const TEMPLATES = readdirSync(new URL('../../../queries/', import.meta.url)).filter((f) => f.endsWith('.promql'));
const HOSTILE = ['shop"} or vector(1) #', 'a\\b', '.*', 'x|y', 'new\nline', 'ünï', '${metric}'];

function parseErrors(q: string): string[] {
  const tree = parser.parse(q);
  const errors: string[] = [];
  tree.iterate({ enter: (n) => void (n.type.isError && errors.push(`error at ${n.from}: …${q.slice(Math.max(0, n.from - 10), n.to + 10)}…`)) });
  return errors;
}

/** Decoded string literals of a query (the values the server will match). */
function literals(q: string): string[] {
  const out: string[] = [];
  parser.parse(q).iterate({ enter: (n) => void (n.name === 'StringLiteral' && out.push(JSON.parse(q.slice(n.from, n.to)) as string)) });
  return out;
}

const sources = {
  default: new PrometheusSource(prometheusSettingsFromUrl('prom+http://127.0.0.1:9090', config, {})),
  custom: new PrometheusSource(
    prometheusSettings(
      { kind: 'prometheus', url: 'http://127.0.0.1:9090/prometheus', cohort: 'on"\\', schema: { requests: { histogram: 'api:latency_ms_bucket', unit: 'ms' }, labels: { service: 'job', endpoint: 'route', cohort: 'flag_variant' } } },
      config,
      'config sources.p',
      {},
    ),
  ),
};

describe('generated PromQL parses with the official grammar', () => {
  it('finds the templates', () => {
    expect(TEMPLATES.sort()).toEqual(['backoff-buckets.promql', 'requests-buckets.promql', 'requests-summary.promql', 'upstreams-counter.promql']);
  });
  for (const [name, source] of Object.entries(sources)) {
    for (const file of TEMPLATES) {
      it(`${file} (${name} mapping)`, () => {
        const filters: Array<Partial<MetricQuery>> = [{}, { services: ['shop'] }, { services: ['shop', 'cart'], endpoints: ['/a'] }, { services: HOSTILE, endpoints: HOSTILE }, { services: [HOSTILE[0]] }];
        for (const f of filters) {
          for (const range of [60_000, 1500, 3_600_000 - 1]) {
            const q = source.render(file, source.settings.schema.requests.histogram, range, source.matchers({ upgradeAt: 0, before: { start: 0, stop: 1 }, after: { start: 1, stop: 2 }, ...f }, true), ['quantile!=""']);
            expect(parseErrors(q), q).toEqual([]);
            if (f.services?.length === 1) expect(literals(q)).toContain(f.services[0]);
          }
        }
      });
    }
  }

  it('a filter value cannot leave its string literal, and regex alternatives match only themselves', () => {
    const q = selector([{ label: 'service', values: ['shop"} or vector(1) #'] }]).text;
    expect(q).toBe('{service="shop\\"} or vector(1) #"}');
    expect(selector([{ label: 'service', values: ['a.b', 'c|d'] }]).text).toBe('{service=~"a\\\\.b|c\\\\|d"}');
    expect(selector([{ label: 'service', values: [] }]).text).toBe('');
    const re = JSON.parse(selector([{ label: 's', values: ['a.b', 'c|d', '(x)*'] }]).text.slice(4, -1)) as string;
    const anchored = new RegExp(`^(?:${re})$`);
    expect(['a.b', 'c|d', '(x)*'].every((v) => anchored.test(v))).toBe(true);
    expect(['axb', 'c', 'd', 'x'].some((v) => anchored.test(v))).toBe(false);
  });
});

describe('range plan', () => {
  const MIN = 60_000;
  it('one call per window when it fits: evaluations at start + step … stop', () => {
    expect(planWindow({ start: 0, stop: 60 * MIN }, MIN, 11_000)).toEqual([{ startMs: MIN, endMs: 60 * MIN, stepMs: MIN, rangeMs: MIN }]);
  });
  it('a window longer than 11 000 steps is split, no interval lost or counted twice', () => {
    const calls = planWindow({ start: 0, stop: 30 * 24 * 60 * MIN }, MIN, 11_000);
    expect(calls.map((c) => (c.endMs - c.startMs) / c.stepMs + 1)).toEqual([11_000, 11_000, 11_000, 10_200]);
    for (let i = 1; i < calls.length; i++) expect(calls[i].startMs).toBe(calls[i - 1].endMs + MIN);
  });
  it('a remainder shorter than a step is one more evaluation at the stop over the remainder', () => {
    expect(planWindow({ start: 0, stop: 2 * MIN + 30_000 }, MIN, 11_000)).toEqual([
      { startMs: MIN, endMs: 2 * MIN, stepMs: MIN, rangeMs: MIN },
      { startMs: 2 * MIN + 30_000, endMs: 2 * MIN + 30_000, stepMs: MIN, rangeMs: 30_000 },
    ]);
  });
});

describe('settings', () => {
  it('refuses unknown units, bad metric and label names naming the field', () => {
    const bad = (schema: unknown) => () => prometheusSettings({ kind: 'prometheus', url: 'http://h:9090', schema }, config, 'config sources.p', {});
    expect(bad({ requests: { unit: 'sec' } })).toThrow(/config sources\.p\.schema\.requests\.unit: unknown unit "sec"; use one of s, ms, us, ns/);
    expect(bad({ upstreams: { calls: 'calls-total' } })).toThrow(/config sources\.p\.schema\.upstreams\.calls: "calls-total" is not a valid Prometheus metric name/);
    expect(bad({ labels: { service: 'svc name' } })).toThrow(/config sources\.p\.schema\.labels\.service/);
    expect(bad({ labels: { servce: 'x' } })).toThrow(/servce/);
  });
  it('credentials never in the URL; token and tenant from the config become headers', () => {
    expect(() => prometheusSettingsFromUrl('prom+http://u:secret@h:9090', config, {})).toThrow(/PROMETHEUS_TOKEN/);
    const s = prometheusSettings({ kind: 'prometheus', url: 'https://mimir:8080/prometheus', tenant: 'team-a', tokenEnv: 'MIMIR_TOKEN' }, config, 'config sources.m', { MIMIR_TOKEN: 't0k' });
    expect(s.headers).toEqual({ authorization: 'Bearer t0k', 'x-scope-orgid': 'team-a' });
    expect(new PrometheusSource(s).description).toBe('prometheus https://mimir:8080/prometheus');
  });
});
