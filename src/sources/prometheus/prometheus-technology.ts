/**
 * Factories of the Prometheus source, registered in resolve-source.ts: a configured `sources.<name>` entry of
 * kind `prometheus`, or a `prom+http(s)://host:port[/prefix]` `--source` URL (default metric names, nothing else
 * needed).
 */
import type { SourceTechnology } from '../source-technology.ts';
import { prometheusSettings, prometheusSettingsFromUrl } from './prometheus-config.ts';
import { PrometheusSource } from './prometheus-source.ts';

export const PROMETHEUS_SOURCES: SourceTechnology = {
  kinds: {
    prometheus: (entry, where, c) => new PrometheusSource(prometheusSettings(entry, c.settings, where, c.env)),
  },
  urls: [
    {
      matches: (spec) => /^prom\+https?:\/\//i.test(spec),
      listed: 'prom+http(s)://',
      usage: 'prom+http(s)://host:port[/prefix]',
      describes: 'a Prometheus source',
      create: (spec, c) => new PrometheusSource(prometheusSettingsFromUrl(spec, c.settings, c.env)),
    },
  ],
};
