/**
 * Maps parsed line-protocol points onto WindowBuilder calls through the configured schema (measurement, tag
 * and field names come from config.schema, never hard-coded), and rejects points that break the data contract.
 * Raw durations, backoff waits and `le` bounds are converted from the schema's `unit` of each metric to ms.
 */
import type { SchemaMapping } from '../../config.ts';
// Not from config.ts: the reader threads load this module, and config.ts would bring its YAML parser and validator.
import { boundToMs, unitFactors, type UnitFactors } from '../../units.ts';
import { FieldType, type LineProtocolPoint } from './line-protocol.ts';
import type { SubjectHandle, WindowBuilder } from '../window-builder/window-builder.ts';
import type { ExtraPoints, ExtraPointsState } from './extra-points.ts';

const TYPE_WITH_ARTICLE = ['a float', 'an integer', 'an unsigned integer', 'a boolean', 'a string'];

export interface SchemaMapperState {
  minTime: number;
  maxTime: number;
  otherMeasurements: Array<[string, number]>;
  /** Deployment markers and event counters (extra-points.ts), when the mapper has them. */
  extras?: ExtraPointsState;
}

/**
 * Maps parsed points onto WindowBuilder calls according to the schema; returns a reason for points that break
 * the data contract (missing tag/field, wrong type, negative value). Points of other measurements are counted.
 */
export class SchemaMapper {
  minTime = Infinity;
  maxTime = -Infinity;
  readonly otherMeasurements = new Map<string, number>();
  private readonly s: SchemaMapping;
  /** ms per raw unit of each metric (schema `unit`). */
  private readonly ms: UnitFactors;
  private readonly b: WindowBuilder;
  /** Tags of the current point, set by subjectTags (saves an object per point). */
  private service = '';
  private subject = '';
  private cohort: string | undefined = undefined;
  /** The builder's subject of the current point's series (SeriesTags.handle), when the parser remembers the series. */
  private handle: SubjectHandle | undefined = undefined;

  constructor(
    schema: SchemaMapping,
    builder: WindowBuilder,
    /** Deployment markers and asked-for event counters, beside the request and upstream forms. */
    readonly extras?: ExtraPoints,
  ) {
    this.s = schema;
    this.ms = unitFactors(schema);
    this.b = builder;
  }

  /** Time range and ignored measurements, for a mapper in another thread to merge (see WindowBuilder.exportState). */
  exportState(): SchemaMapperState {
    return { minTime: this.minTime, maxTime: this.maxTime, otherMeasurements: [...this.otherMeasurements], ...(this.extras ? { extras: this.extras.exportState() } : {}) };
  }

  mergeState(state: SchemaMapperState): void {
    this.minTime = Math.min(this.minTime, state.minTime);
    this.maxTime = Math.max(this.maxTime, state.maxTime);
    for (const [m, n] of state.otherMeasurements) this.otherMeasurements.set(m, (this.otherMeasurements.get(m) ?? 0) + n);
    if (state.extras) this.extras?.mergeState(state.extras);
  }

  readonly onPoint = (p: LineProtocolPoint): string | null => {
    const m = p.measurement;
    const s = this.s;
    let reason: string | null;
    if (m === s.request.measurement) reason = this.request(p);
    else if (m === s.upstream.measurement) reason = this.upstreamCall(p);
    else if (m === s.histogram.measurement) reason = this.histogramBucket(p);
    else if (m === s.counters.measurement) reason = this.counters(p);
    else if (this.extras?.has(m)) reason = this.extras.onPoint(p);
    else {
      this.otherMeasurements.set(m, (this.otherMeasurements.get(m) ?? 0) + 1);
      return null;
    }
    if (reason === null) {
      const t = p.timeMs;
      if (t < this.minTime) this.minTime = t;
      if (t > this.maxTime) this.maxTime = t;
    }
    return reason;
  };

  /**
   * Reads the service tag, the subject tag (endpoint or upstream) and, when the builder splits by cohort (a cohort
   * baseline), the cohort tag into this.service / this.subject / this.cohort. What a series' tags give is kept on the
   * parser's series entry (the same for every line of the series), so the lines after the first skip the lookups.
   */
  private subjectTags(p: LineProtocolPoint, serviceTag: string, subjectTag: string): string | null {
    const series = p.series;
    const kept = series?.memo;
    if (kept instanceof SeriesTags && kept.owner === this) return this.useTags(kept);
    const tags = readSubjectTags(p, serviceTag, subjectTag, this.b.cohortTag, this);
    // A handle only on a remembered series: a point without the series' memo has nowhere to keep one.
    if (series !== null) {
      series.memo = tags;
      if (tags.reason === null) tags.handle = {};
    }
    return this.useTags(tags);
  }

  private useTags(tags: SeriesTags): string | null {
    if (tags.reason !== null) return tags.reason;
    this.service = tags.service;
    this.subject = tags.subject;
    this.cohort = tags.cohort;
    this.handle = tags.handle;
    return null;
  }

  private request(p: LineProtocolPoint): string | null {
    const r = this.s.request;
    let reason = this.subjectTags(p, r.serviceTag, r.endpointTag);
    if (reason !== null) return reason;
    const fi = p.fieldIndex(r.durationField);
    reason = numericField(p, fi, r.durationField, false);
    if (reason !== null) return reason;
    this.b.addRequest(this.service, this.subject, p.timeMs, p.fieldNumbers[fi] * this.ms.duration, this.cohort, this.handle);
    return null;
  }

  private upstreamCall(p: LineProtocolPoint): string | null {
    const u = this.s.upstream;
    let reason = this.subjectTags(p, u.serviceTag, u.upstreamTag);
    if (reason !== null) return reason;
    const ai = p.fieldIndex(u.attemptsField);
    reason = numericField(p, ai, u.attemptsField, true);
    if (reason !== null) return reason;
    const attempts = p.fieldNumbers[ai];
    if (attempts < 1) return `field "${u.attemptsField}": ${p.fieldText(ai)} is less than 1`;
    const oi = p.fieldIndex(u.okField);
    if (oi < 0) return `missing field "${u.okField}"`;
    if (p.fieldTypes[oi] !== FieldType.Boolean) return `field "${u.okField}": ${p.fieldText(oi)} is ${TYPE_WITH_ARTICLE[p.fieldTypes[oi]]}, not a boolean`;
    const bi = p.fieldIndex(u.backoffField);
    let backoff = 0;
    // A call without retries waited nothing, so its backoff field may be left out.
    if (bi >= 0 || attempts > 1) {
      reason = numericField(p, bi, u.backoffField, false);
      if (reason !== null) return reason;
      backoff = p.fieldNumbers[bi] * this.ms.backoff;
    }
    this.b.addUpstreamCall(this.service, this.subject, p.timeMs, attempts, backoff, p.fieldNumbers[oi] === 1, this.cohort, this.handle);
    return null;
  }

  private histogramBucket(p: LineProtocolPoint): string | null {
    const h = this.s.histogram;
    const r = this.s.request;
    let reason = this.subjectTags(p, r.serviceTag, r.endpointTag);
    if (reason !== null) return reason;
    const leText = p.tag(h.leTag);
    if (leText === undefined) return `missing tag "${h.leTag}"`;
    const le = parseLe(leText);
    if (Number.isNaN(le)) return `tag "${h.leTag}": "${leText}" is not a number or +Inf`;
    const ci = p.fieldIndex(h.countField);
    reason = numericField(p, ci, h.countField, false);
    if (reason !== null) return reason;
    this.b.addHistogramBucket(this.service, this.subject, p.timeMs, boundToMs(le, this.ms.le), p.fieldNumbers[ci], this.cohort);
    return null;
  }

  private counters(p: LineProtocolPoint): string | null {
    const c = this.s.counters;
    const u = this.s.upstream;
    let reason = this.subjectTags(p, u.serviceTag, u.upstreamTag);
    if (reason !== null) return reason;
    const ci = p.fieldIndex(c.callsField);
    reason = numericField(p, ci, c.callsField, false);
    if (reason !== null) return reason;
    const ri = p.fieldIndex(c.retriesField);
    reason = numericField(p, ri, c.retriesField, false);
    if (reason !== null) return reason;
    // `exhausted` is optional in the pre-aggregated form.
    const ei = p.fieldIndex(c.exhaustedField);
    if (ei >= 0) {
      reason = numericField(p, ei, c.exhaustedField, false);
      if (reason !== null) return reason;
      // Exhausted calls are calls that finally failed: more of them than calls is broken data, and would make
      // the "share of calls that exhausted their retries" exceed 1 in the report.
      if (p.fieldNumbers[ei] > p.fieldNumbers[ci]) {
        return `field "${c.exhaustedField}": ${p.fieldText(ei)} is more than the ${p.fieldText(ci)} calls of field "${c.callsField}"`;
      }
    }
    this.b.addUpstreamCounters(this.service, this.subject, p.timeMs, {
      calls: p.fieldNumbers[ci],
      retries: p.fieldNumbers[ri],
      exhausted: ei >= 0 ? p.fieldNumbers[ei] : 0,
    }, undefined, this.cohort);
    return null;
  }
}

/** What one series' tags give a mapper (its service, subject and cohort), or why they do not do. */
class SeriesTags {
  constructor(
    readonly owner: SchemaMapper,
    readonly reason: string | null,
    readonly service = '',
    readonly subject = '',
    readonly cohort: string | undefined = undefined,
  ) {}

  /** The builder's subjects of this series (see WindowBuilder.addRequest); undefined when the mapper keeps none. */
  handle: SubjectHandle | undefined = undefined;
}

function readSubjectTags(p: LineProtocolPoint, serviceTag: string, subjectTag: string, cohortTag: string | null, owner: SchemaMapper): SeriesTags {
  const service = p.tag(serviceTag);
  if (service === undefined) return new SeriesTags(owner, `missing tag "${serviceTag}"`);
  const subject = p.tag(subjectTag);
  if (subject === undefined) return new SeriesTags(owner, `missing tag "${subjectTag}"`);
  return new SeriesTags(owner, null, service, subject, cohortTag === null ? undefined : p.tag(cohortTag));
}

/** Checks that field `fi` (named `name`) exists, is a non-negative number and, if asked, a whole one. */
function numericField(p: LineProtocolPoint, fi: number, name: string, integer: boolean): string | null {
  if (fi < 0) return `missing field "${name}"`;
  const type = p.fieldTypes[fi];
  if (type === FieldType.Boolean || type === FieldType.String) {
    return `field "${name}": ${p.fieldText(fi)} is ${TYPE_WITH_ARTICLE[type]}, not ${integer ? 'an integer' : 'a number'}`;
  }
  const v = p.fieldNumbers[fi];
  // Exporters often write counts as floats; a whole float is accepted as an integer.
  if (integer && !Number.isInteger(v)) return `field "${name}": ${p.fieldText(fi)} is not an integer`;
  if (v < 0) return `field "${name}": ${p.fieldText(fi)} is negative`;
  return null;
}

function parseLe(text: string): number {
  if (text === '+Inf' || text === 'Inf' || text === 'inf' || text === '+inf') return Infinity;
  if (text.trim() === '') return NaN;
  const v = Number(text);
  return Number.isFinite(v) ? v : NaN;
}

/** Every measurement, tag and field name of the schema: parsed tokens equal to them become these objects. */
export function schemaTokens(schema: SchemaMapping): string[] {
  return [schema.request, schema.upstream, schema.histogram, schema.counters, schema.deployment ?? {}].flatMap((section) => Object.values(section) as string[]);
}
