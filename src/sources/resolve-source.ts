/**
 * Turns a `--source` argument into a MetricSource through a registry of technologies (source-technology.ts):
 * a configured source name (settings.sources, by its `kind`), a bare word (`demo`), a URL (by scheme) or a file
 * path (by extension), in that order. A new technology is one more entry in SOURCE_TECHNOLOGIES.
 */
import { AppError } from '../errors.ts';
import { DEMO_SOURCES } from './demo/demo-source.ts';
import { INFLUX_SOURCES } from './influx/influx-source.ts';
import { LINE_PROTOCOL_SOURCES } from './line-protocol/file-source.ts';
import type { MetricSource } from './metric-source.ts';
import { redactUrl } from './redact-url.ts';
import type { SourceEntry, SourceSettings } from './source-settings.ts';
import type { SourceContext, SourceFileForm, SourceTechnology, SourceUrlForm } from './source-technology.ts';

export { LINE_PROTOCOL_EXTENSIONS } from './line-protocol/file-source.ts';

/** Every technology `--source` can reach; the order is the order in messages. */
export const SOURCE_TECHNOLOGIES: readonly SourceTechnology[] = [DEMO_SOURCES, LINE_PROTOCOL_SOURCES, INFLUX_SOURCES];

const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

type KindFactory = NonNullable<SourceTechnology['kinds']>[string];
type WordFactory = NonNullable<SourceTechnology['words']>[string];

/** The kinds, words, URL forms and file forms of some technologies; two claiming the same one is a programming error. */
export class SourceRegistry {
  private readonly kinds = new Map<string, KindFactory>();
  private readonly words = new Map<string, WordFactory>();
  private readonly urls: SourceUrlForm[] = [];
  private readonly files: SourceFileForm[] = [];

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
    }
  }

  /** The kinds a `sources.<name>` entry may have. */
  get knownKinds(): string[] {
    return [...this.kinds.keys()];
  }

  create(spec: string, settings: SourceSettings, env: NodeJS.ProcessEnv = process.env): MetricSource {
    const context: SourceContext = { settings, env };
    if (Object.hasOwn(settings.sources, spec)) return this.fromEntry(spec, settings.sources[spec] as SourceEntry, context);
    const word = this.words.get(spec);
    if (word !== undefined) return word(context);
    const url = this.urls.find((u) => u.matches(spec));
    if (url !== undefined) return url.create(spec, context);
    if (ANY_URL.test(spec)) {
      throw new AppError('BAD_INPUT', `source "${redactUrl(spec)}": unknown URL scheme; use ${this.urls.map((u) => u.usage).join(' or ')}`);
    }
    const file = this.fileForm(spec);
    if (file !== undefined) return file.create(spec, context);
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

/** The source `spec` names (see the header); `settings` may be the whole Config. */
export function createSource(spec: string, settings: SourceSettings, env: NodeJS.ProcessEnv = process.env): MetricSource {
  return REGISTRY.create(spec, settings, env);
}
