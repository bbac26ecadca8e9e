import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';
import { DemoSource } from '../../src/sources/demo/demo-source.ts';
import { InfluxV1Source } from '../../src/sources/influx/influx-v1-source.ts';
import { LineProtocolFileSource } from '../../src/sources/line-protocol/file-source.ts';
import type { MetricSource } from '../../src/sources/metric-source.ts';
import { PROMETHEUS_SOURCES } from '../../src/sources/prometheus/prometheus-technology.ts';
import { PrometheusSource } from '../../src/sources/prometheus/prometheus-source.ts';
import { SOURCE_TECHNOLOGIES, SourceRegistry, createSource } from '../../src/sources/resolve-source.ts';
import type { SourceSettings } from '../../src/sources/source-settings.ts';
import type { SourceTechnology } from '../../src/sources/source-technology.ts';

/** Only what sources read: no analysis, server or store sections. */
function sourceSettings(sources: SourceSettings['sources'] = {}): SourceSettings {
  const { schema, input } = loadConfig();
  return { schema, input, sources };
}

/** A stand-in technology shaped like the Prometheus source of issue 13, plus a file form (it is never fetched from). */
const PROM_LIKE: SourceTechnology = {
  kinds: { prometheus: (entry, where) => named(`prometheus ${String(entry.url)} (${where})`) },
  urls: [{ matches: (spec) => /^prom\+https?:\/\//i.test(spec), listed: 'prom+http(s)://', usage: 'prom+http(s)://…', create: (spec) => named(`prometheus ${spec}`) }],
  files: [{ extensions: ['.prom'], listed: 'an OpenMetrics file', create: (file) => named(`openmetrics ${file}`) }],
};

function named(description: string): MetricSource {
  return { description, fetch: () => Promise.reject(new Error('not fetched in this test')) };
}

describe('createSource takes the SourceSettings slice', () => {
  it('builds every technology from settings without the rest of the config', () => {
    const settings = sourceSettings({ legacy: { kind: 'influx1', url: 'http://h:8086', db: 'd' }, rec: { kind: 'file', path: 'x.lp' } });
    expect(createSource('demo', settings)).toBeInstanceOf(DemoSource);
    expect(createSource('legacy', settings)).toBeInstanceOf(InfluxV1Source);
    expect(createSource('rec', settings)).toBeInstanceOf(LineProtocolFileSource);
    expect(createSource('influx1+http://h:8086/db', settings)).toBeInstanceOf(InfluxV1Source);
    expect(createSource('prom+http://h:9090', settings)).toBeInstanceOf(PrometheusSource);
    expect(createSource('metrics', sourceSettings({ metrics: { kind: 'prometheus', url: 'http://h:9090' } }))).toBeInstanceOf(PrometheusSource);
  });

  it('hands factories the settings and the env it is given (credentials are read from it)', () => {
    const probe = new SourceRegistry([{ words: { probe: (c) => named(`${c.settings.input.timelineIntervalMs} ${c.env.MY_TOKEN}`) } }]);
    expect(probe.create('probe', sourceSettings(), { env: { MY_TOKEN: 't0k' } }).description).toBe('60000 t0k');
  });

  it('names the unknown kind of a configured entry', () => {
    expect(() => createSource('x', sourceSettings({ x: { kind: 'graphite' } }))).toThrow(new AppError('BAD_INPUT', 'config sources.x.kind: unknown kind "graphite"'));
  });
});

describe('SourceRegistry: a technology is added by registering it', () => {
  // The real Prometheus technology is swapped for the stand-in, which also brings a file form.
  const registry = new SourceRegistry([...SOURCE_TECHNOLOGIES.filter((t) => t !== PROMETHEUS_SOURCES), PROM_LIKE]);

  it('reaches the new technology by URL scheme, config kind and file extension, the others unchanged', () => {
    const settings = sourceSettings({ metrics: { kind: 'prometheus', url: 'http://prom:9090' } });
    expect(registry.create('prom+http://prom:9090', settings).description).toBe('prometheus prom+http://prom:9090');
    expect(registry.create('metrics', settings).description).toBe('prometheus http://prom:9090 (config sources.metrics)');
    expect(registry.create('dump.PROM', settings).description).toBe('openmetrics dump.PROM');
    expect(registry.create('demo', settings)).toBeInstanceOf(DemoSource);
    expect(registry.create('a.lp', settings)).toBeInstanceOf(LineProtocolFileSource);
    expect(registry.knownKinds).toEqual(['demo', 'file', 'influx1', 'influx2', 'prometheus']);
  });

  it('lists the new forms in its messages', () => {
    const settings = sourceSettings();
    expect(() => registry.create('ftp://h/x', settings)).toThrow('source "ftp://h/x": unknown URL scheme; use influx1+http(s)://… or influx2+http(s)://… or prom+http(s)://…');
    expect(() => registry.create('data.csv', settings)).toThrow(
      'source "data.csv" is not a configured source name (none configured), "demo", "demo-rollout", a line-protocol file (.lp, .txt, .lp.gz, .txt.gz), ' +
        'an OpenMetrics file (.prom) or an influx1+http:// / influx2+http(s):// / prom+http(s):// URL',
    );
  });

  it('refuses two technologies claiming the same kind, word or extension', () => {
    expect(() => new SourceRegistry([...SOURCE_TECHNOLOGIES, { kinds: { file: () => named('x') } }])).toThrow('source kind "file" registered twice');
    expect(() => new SourceRegistry([...SOURCE_TECHNOLOGIES, { words: { demo: () => named('x') } }])).toThrow('source word "demo" registered twice');
    expect(() => new SourceRegistry([...SOURCE_TECHNOLOGIES, { files: [{ extensions: ['.txt'], listed: 'x', create: () => named('x') }] }])).toThrow(
      'file extension .txt registered twice',
    );
  });
});
