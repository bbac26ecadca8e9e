/**
 * Turns a `--source` argument into a MetricSource through a registry of technologies (source-technology.ts):
 * a configured source name (settings.sources, by its `kind`), a bare word (`demo`), a URL (by scheme), a file
 * path (by extension), or any other existing file whose content a technology recognises (a line-protocol export
 * named `.influx` or without an extension: InfluxDB never cares about names), in that order. A new technology is
 * one more entry in SOURCE_TECHNOLOGIES. `--precision` (timestamp unit) reaches only the forms that read
 * timestamps without a type (line protocol) and is refused elsewhere.
 */
import { AppError } from '../errors.ts';
import { DEMO_SOURCES } from './demo/demo-source.ts';
import { INFLUX_SOURCES } from './influx/influx-source.ts';
import { LINE_PROTOCOL_SOURCES } from './line-protocol/file-source.ts';
import { PROMETHEUS_SOURCES } from './prometheus/prometheus-technology.ts';
import type { MetricSource } from './metric-source.ts';
import { redactUrl } from './redact-url.ts';
import type { SourceEntry, SourceSettings } from './source-settings.ts';
import type { SourceContentForm, SourceContext, SourceFileForm, SourceTechnology, SourceUrlForm } from './source-technology.ts';
import type { Precision } from './line-protocol/line-protocol.ts';

export { LINE_PROTOCOL_EXTENSIONS } from './line-protocol/file-source.ts';

/** Every technology `--source` can reach; the order is the order in messages. */
export const SOURCE_TECHNOLOGIES: readonly SourceTechnology[] = [DEMO_SOURCES, LINE_PROTOCOL_SOURCES, INFLUX_SOURCES, PROMETHEUS_SOURCES];

const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

type KindFactory = NonNullable<SourceTechnology['kinds']>[string];
type WordFactory = NonNullable<SourceTechnology['words']>[string];

/** The kinds, words, URL forms and file forms of some technologies; two claiming the same one is a programming error. */
export class SourceRegistry {
  private readonly kinds = new Map<string, KindFactory>();
  private readonly words = new Map<string, WordFactory>();
  private readonly urls: SourceUrlForm[] = [];
  private readonly files: SourceFileForm[] = [];
  private readonly contents: SourceContentForm[] = [];
  /** Config kinds whose sources take `--precision`. */
  private readonly precisionKinds = new Set<string>();

  constructor(technologies: readonly SourceTechnology[]) {
    for (const t of technologies) {
      for (const [kind, factory] of Object.entries(t.kinds ?? {})) claim(this.kinds, kind, factory, 'source kind');
      for (const [word, factory] of Object.entries(t.words ?? {})) claim(this.words, word, factory, 'source word');
      this.urls.push(...(t.urls ?? []));
      for (const form of t.files ?? []) {
        for (const ext of form.extensions) {
          if (this.fileForm(`x${ext}`) !== undefined) throw new Error(`file extension ${ext} registered twice`);
        }
        this.files.push(form);
      }
      if (t.content) this.contents.push(t.content);
      for (const kind of t.precisionKinds ?? []) this.precisionKinds.add(kind);
    }
  }

  /** The kinds a `sources.<name>` entry may have. */
  get knownKinds(): string[] {
    return [...this.kinds.keys()];
  }

  create(spec: string, settings: SourceSettings, options: CreateSourceOptions = {}): MetricSource {
    const context: SourceContext = { settings, env: options.env ?? process.env, ...(options.precision ? { precision: options.precision } : {}) };
    const noPrecision = (what: string) => {
      if (options.precision !== undefined) {
        throw new AppError('BAD_INPUT', `--precision applies to line-protocol input only (a file, "-" for stdin, or a source of kind ${[...this.precisionKinds].join(' or ')}), not to ${what}`);
      }
    };
    if (Object.hasOwn(settings.sources, spec)) {
      const entry = settings.sources[spec] as SourceEntry;
      if (!this.precisionKinds.has(entry.kind)) noPrecision(`source "${spec}" (kind ${entry.kind})`);
      return this.fromEntry(spec, entry, context);
    }
    const word = this.words.get(spec);
    if (word !== undefined) {
      noPrecision(`the ${spec} source`);
      return word(context);
    }
    const url = this.urls.find((u) => u.matches(spec));
    if (url !== undefined) {
      noPrecision(url.describes ?? `a ${url.listed} source`);
      return url.create(spec, context);
    }
    if (ANY_URL.test(spec)) {
      throw new AppError('BAD_INPUT', `source "${redactUrl(spec)}": unknown URL scheme; use ${this.urls.map((u) => u.usage).join(' or ')}`);
    }
    const file = this.fileForm(spec);
    if (file !== undefined) return file.create(spec, context);
    for (const form of this.contents) {
      const seen = form.sniff(spec);
      if (seen.kind === 'match') return form.create(spec, context);
      if (seen.kind === 'other') throw new AppError('BAD_INPUT', `source "${spec}": ${seen.message}`);
    }
    throw new AppError('BAD_INPUT', `source "${spec}" is not ${this.whatASourceCanBe(settings)}`);
  }

  private fromEntry(name: string, entry: SourceEntry, context: SourceContext): MetricSource {
    const where = `config sources.${name}`;
    const factory = this.kinds.get(entry.kind);
    if (factory === undefined) throw new AppError('BAD_INPUT', `${where}.kind: unknown kind ${JSON.stringify(entry.kind)}`);
    return factory(entry, where, context);
  }

  private fileForm(spec: string): SourceFileForm | undefined {
    const lower = spec.toLowerCase();
    return this.files.find((f) => f.extensions.some((ext) => lower.endsWith(ext)));
  }

  private whatASourceCanBe(settings: SourceSettings): string {
    const names = Object.keys(settings.sources);
    const parts = [
      `a configured source name (${names.length > 0 ? names.join(', ') : 'none configured'})`,
      ...[...this.words.keys()].map((w) => `"${w}"`),
      ...this.files.map((f) => `${f.listed} (${f.extensions.join(', ')})`),
    ];
    if (this.urls.length > 0) parts.push(`an ${this.urls.map((u) => u.listed).join(' / ')} URL`);
    return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
  }
}

function claim<T>(map: Map<string, T>, key: string, value: T, what: string): void {
  if (map.has(key)) throw new Error(`${what} "${key}" registered twice`);
  map.set(key, value);
}

const REGISTRY = new SourceRegistry(SOURCE_TECHNOLOGIES);

export interface CreateSourceOptions {
  /** Where credentials named in the config are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Timestamp unit of line-protocol input (`--precision`): a file path, stdin, or a source of a kind that reads
   * line protocol (where it overrides the configured one). Refused for other sources, whose timestamps are typed.
   */
  precision?: Precision;
}

/** The source `spec` names (see the header); `settings` may be the whole Config. */
export function createSource(spec: string, settings: SourceSettings, options: CreateSourceOptions = {}): MetricSource {
  return REGISTRY.create(spec, settings, options);
}
