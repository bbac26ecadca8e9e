/**
 * Factories of the InfluxDB sources, registered in resolve-source.ts: a configured `sources.<name>` entry of
 * kind influx1/influx2, or an influx1+http(s):// / influx2+http(s):// `--source` URL.
 */
import { influx1Settings, influx2Settings, influxSettingsFromUrl, type InfluxSettingsSlice } from './influx-config.ts';
import { InfluxV1Source } from './influx-v1-source.ts';
import { InfluxV2Source } from './influx-v2-source.ts';
import type { MetricSource } from '../metric-source.ts';
import type { SourceTechnology, SourceUrlForm } from '../source-technology.ts';

export function influxSourceFromUrl(spec: string, settings: InfluxSettingsSlice, env: NodeJS.ProcessEnv = process.env): MetricSource {
  const s = influxSettingsFromUrl(spec, settings, env);
  return s.kind === 'influx1' ? new InfluxV1Source(s) : new InfluxV2Source(s);
}

const fromUrl: SourceUrlForm['create'] = (spec, c) => influxSourceFromUrl(spec, c.settings, c.env);

export const INFLUX_SOURCES: SourceTechnology = {
  kinds: {
    influx1: (entry, where, c) => new InfluxV1Source(influx1Settings(entry, c.settings, where, c.env)),
    influx2: (entry, where, c) => new InfluxV2Source(influx2Settings(entry, c.settings, where, c.env)),
  },
  urls: [
    { matches: (spec) => /^influx1\+https?:\/\//i.test(spec), listed: 'influx1+http://', usage: 'influx1+http(s)://…', describes: 'an InfluxDB source', create: fromUrl },
    { matches: (spec) => /^influx2\+https?:\/\//i.test(spec), listed: 'influx2+http(s)://', usage: 'influx2+http(s)://…', describes: 'an InfluxDB source', create: fromUrl },
  ],
};
