/**
 * Factory for the InfluxDB sources, used by resolve-source.ts: a configured `sources.<name>` entry of kind
 * influx1/influx2, or an influx1+http:// / influx2+http(s):// `--source` URL.
 */
import type { Config } from '../../config.ts';
import { influx1Settings, influx2Settings, influxSettingsFromUrl } from './influx-config.ts';
import { InfluxV1Source } from './influx-v1-source.ts';
import { InfluxV2Source } from './influx-v2-source.ts';
import type { MetricSource } from '../metric-source.ts';

export function influxSourceFromUrl(spec: string, config: Config, env: NodeJS.ProcessEnv = process.env): MetricSource {
  const s = influxSettingsFromUrl(spec, config, env);
  return s.kind === 'influx1' ? new InfluxV1Source(s) : new InfluxV2Source(s);
}

export function influxSourceFromConfig(name: string, raw: { kind: string }, config: Config, env: NodeJS.ProcessEnv = process.env): MetricSource {
  const where = `config sources.${name}`;
  return raw.kind === 'influx1' ? new InfluxV1Source(influx1Settings(raw, config, where, env)) : new InfluxV2Source(influx2Settings(raw, config, where, env));
}
