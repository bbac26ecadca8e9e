/**
 * How one technology's sources are reached from a `--source` argument or a `sources.<name>` config entry. Each
 * technology folder exports one SourceTechnology; resolve-source.ts lists them, so a new technology (e.g.
 * Prometheus: `prom+http(s)://…`, `kind: prometheus`) is added by registering one more, without touching the others.
 */
import type { MetricSource } from './metric-source.ts';
import type { SourceEntry, SourceSettings } from './source-settings.ts';

export interface SourceContext {
  settings: SourceSettings;
  /** Where credentials named in the config are read from (process.env unless a caller passes another). */
  env: NodeJS.ProcessEnv;
  /** `--precision`: the timestamp unit of line-protocol input, overriding a configured one (only forms that read it get it). */
  precision?: 'ns' | 'us' | 'ms' | 's';
}

/** A `--source` URL form, e.g. influx2+http(s)://. */
export interface SourceUrlForm {
  matches(spec: string): boolean;
  /** As listed in "… or an influx1+http:// / influx2+http(s):// URL". */
  listed: string;
  /** As suggested for an unknown scheme: "use influx1+http(s)://… or …". */
  usage: string;
  /** What such a source is, in a sentence: "an InfluxDB source". */
  describes?: string;
  create(spec: string, context: SourceContext): MetricSource;
}

/** `--source` file names ending in one of `extensions` (compared case-insensitively). */
export interface SourceFileForm {
  extensions: readonly string[];
  /** As listed in "… a line-protocol file (.lp, .txt) …". */
  listed: string;
  create(file: string, context: SourceContext): MetricSource;
}

/** Files a technology recognises by content, whatever their name (a line-protocol export called `.influx`). */
export interface SourceContentForm {
  /** `match`: this technology reads it; `other`: an existing file it cannot read (`message` says why); `none`: not a file. */
  sniff(file: string): { kind: 'match' } | { kind: 'other'; message: string } | { kind: 'none' };
  create(file: string, context: SourceContext): MetricSource;
}

export interface SourceTechnology {
  /** Config `kind` → factory of a named entry; `where` is "config sources.<name>" for messages. */
  kinds?: Record<string, (entry: SourceEntry, where: string, context: SourceContext) => MetricSource>;
  /** Bare `--source` words (e.g. `demo`), used when no configured entry has that name. */
  words?: Record<string, (context: SourceContext) => MetricSource>;
  urls?: readonly SourceUrlForm[];
  files?: readonly SourceFileForm[];
  content?: SourceContentForm;
  /** Config kinds whose sources read untyped timestamps and so take `--precision`. */
  precisionKinds?: readonly string[];
}
