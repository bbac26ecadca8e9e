/**
 * Turns a `--source` argument into a MetricSource: a configured source name (config.sources), `demo`,
 * a line-protocol file path (.lp, .txt, optionally .gz; any other name when its content is line protocol), or
 * (issue 3) an influx1+http:// / influx2+http(s):// URL.
 */
import path from 'node:path';
import { AppError } from '../errors.ts';
import type { Config, SourceConfig } from '../config.ts';
import type { MetricSource } from './metric-source.ts';
import { DemoSource } from './demo/demo-source.ts';
import { DEFAULT_DEMO_SEED } from './demo/demo-telemetry.ts';
import { LineProtocolFileSource } from './line-protocol/file-source.ts';
import type { Precision } from './line-protocol/line-protocol.ts';
import { influxSourceFromConfig, influxSourceFromUrl } from './influx/influx-source.ts';
import { sniffLineProtocol } from './line-protocol/sniff.ts';

export const LINE_PROTOCOL_EXTENSIONS = ['.lp', '.txt', '.lp.gz', '.txt.gz'];
const PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's'];
const INFLUX_URL = /^influx[12]\+https?:\/\//i;
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

export interface CreateSourceOptions {
  /**
   * Timestamp unit of line-protocol input (`--precision`): a file path, stdin, or a `kind: file` source (where it
   * overrides the configured one). Refused for other sources, whose timestamps are typed.
   */
  precision?: Precision;
}

function refusePrecision(options: CreateSourceOptions, what: string): void {
  if (options.precision !== undefined) {
    throw new AppError('BAD_INPUT', `--precision applies to line-protocol input only (a file, "-" for stdin, or a source of kind file), not to ${what}`);
  }
}

export function createSource(spec: string, config: Config, options: CreateSourceOptions = {}): MetricSource {
  const named = Object.hasOwn(config.sources, spec) ? (config.sources[spec] as SourceConfig) : undefined;
  if (named !== undefined) {
    if (named.kind !== 'file') refusePrecision(options, `source "${spec}" (kind ${named.kind})`);
    return fromConfig(spec, named, config, options);
  }
  if (spec === 'demo') {
    refusePrecision(options, 'the demo source');
    return new DemoSource({ seed: DEFAULT_DEMO_SEED, timelineIntervalMs: config.input.timelineIntervalMs });
  }

  // ── InfluxDB URLs: wired by the InfluxDB sources (issue 3). ─────────────────────────────────────
  if (INFLUX_URL.test(spec)) {
    refusePrecision(options, 'an InfluxDB source');
    return influxSourceFromUrl(spec, config);
  }
  if (ANY_URL.test(spec)) {
    throw new AppError('BAD_INPUT', `source "${redactUrl(spec)}": unknown URL scheme; use influx1+http(s)://… or influx2+http(s)://…`);
  }
  if (LINE_PROTOCOL_EXTENSIONS.some((ext) => spec.toLowerCase().endsWith(ext))) {
    return fileSource(spec, config, options.precision ?? 'ns');
  }
  // Any other name of an existing file: line protocol is told by content (InfluxDB does not care about names).
  const sniffed = sniffLineProtocol(spec);
  if (sniffed.kind === 'line-protocol') return fileSource(spec, config, options.precision ?? 'ns');
  if (sniffed.kind === 'other') {
    throw new AppError(
      'BAD_INPUT',
      `source "${spec}": the file is not line protocol (first line ${sniffed.firstLine}: ${JSON.stringify(sniffed.excerpt)}); ` +
        'expected lines like `http_request,service=shop,endpoint=/cart duration_ms=12.5 1795269600000000000`',
    );
  }
  const names = Object.keys(config.sources);
  throw new AppError(
    'BAD_INPUT',
    `source "${spec}" is not a configured source name (${names.length > 0 ? names.join(', ') : 'none configured'}), ` +
      `"demo", a line-protocol file (${LINE_PROTOCOL_EXTENSIONS.join(', ')}) or an influx1+http:// / influx2+http(s):// URL`,
  );
}

function fromConfig(name: string, source: SourceConfig, config: Config, options: CreateSourceOptions): MetricSource {
  const where = `config sources.${name}`;
  switch (source.kind) {
    case 'demo': {
      const seed = source.seed ?? DEFAULT_DEMO_SEED;
      if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new AppError('BAD_INPUT', `${where}.seed: expected an integer, got ${JSON.stringify(seed)}`);
      return new DemoSource({ seed, timelineIntervalMs: config.input.timelineIntervalMs });
    }
    case 'file': {
      if (typeof source.path !== 'string' || source.path === '') throw new AppError('BAD_INPUT', `${where}.path: expected the path of a line-protocol file`);
      const precision = source.precision ?? 'ns';
      if (!PRECISIONS.includes(precision as Precision)) {
        throw new AppError('BAD_INPUT', `${where}.precision: expected one of ${PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
      }
      return fileSource(source.path, config, options.precision ?? (precision as Precision));
    }
    // ── kinds influx1 / influx2: wired by the InfluxDB sources (issue 3). ─────────────────────────
    case 'influx1':
    case 'influx2':
      return influxSourceFromConfig(name, source, config);
    default:
      throw new AppError('BAD_INPUT', `${where}.kind: unknown kind ${JSON.stringify((source as { kind: unknown }).kind)}`);
  }
}

function fileSource(file: string, config: Config, precision: Precision): MetricSource {
  // Relative paths are taken from the working directory, like any CLI argument.
  return new LineProtocolFileSource({
    path: path.resolve(file),
    schema: config.schema,
    precision,
    maxBadLineShare: config.input.maxBadLineShare,
    timelineIntervalMs: config.input.timelineIntervalMs,
  });
}

/** Drops user:password from a URL before it goes into a message. */
function redactUrl(spec: string): string {
  return spec.replace(/\/\/[^/@]*@/, '//***@');
}
