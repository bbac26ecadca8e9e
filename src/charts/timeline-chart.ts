/**
 * Charts over time with the upgrade marked by a labelled rule: p99/p50 latency per interval for an
 * endpoint, retries per call per interval for an upstream API, and small multiples of either.
 * Times are shown in UTC so a chart reads the same wherever it is rendered.
 */
import type { TopLevelSpec } from 'vega-lite';
import {
  DEFAULT_PANEL_HEIGHT,
  facetFrame,
  specFrame,
  type ChartText,
  DEFAULT_PANEL_WIDTH,
  OKABE_ITO,
  WINDOW_DOMAIN,
  WINDOW_LABELS,
  WINDOW_RANGE,
  logTickValues,
} from './chart-style.ts';

export interface TimelineRow {
  subject: string;
  /** Interval start, epoch ms. */
  t: number;
  window: string;
  /** Series name, e.g. "p99" or "Retries per call". */
  series: string;
  value: number;
  /** "headroom": an invisible row that only widens its panel's value axis. */
  role?: 'headroom';
}

function windowOf(t: number, upgradeAt: number): string {
  return t < upgradeAt ? WINDOW_LABELS.before : WINDOW_LABELS.after;
}

/** p99 and p50 per interval; intervals without requests are gaps, not zeros. */
export function latencyTimelineRows(
  subject: string,
  timeline: { t: number[]; p50: (number | null)[]; p99: (number | null)[] },
  upgradeAt: number,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  timeline.t.forEach((t, i) => {
    for (const [series, values] of [['p99', timeline.p99], ['p50', timeline.p50]] as const) {
      const value = values[i];
      if (value !== null && value !== undefined && Number.isFinite(value)) rows.push({ subject, t, window: windowOf(t, upgradeAt), series, value });
    }
  });
  return rows;
}

/** Retries per call per interval; intervals without calls are gaps (0/0 is not 0). */
export function retryTimelineRows(
  subject: string,
  timeline: { t: number[]; calls: number[]; retries: number[] },
  upgradeAt: number,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  timeline.t.forEach((t, i) => {
    const calls = timeline.calls[i];
    if (calls > 0) rows.push({ subject, t, window: windowOf(t, upgradeAt), series: 'Retries per call', value: timeline.retries[i] / calls });
  });
  return rows;
}

/** "14:00 UTC" from an RFC 3339 time (pure: parses the string, reads no clock). */
export function utcClock(iso: string): string {
  const d = new Date(iso);
  return Number.isFinite(d.getTime()) ? `${d.toISOString().slice(11, 16)} UTC` : iso;
}

function upgradeLayers(upgradeAt: number, label: string | null): unknown[] {
  // One-row data of their own: with the chart's data they would draw the rule once per row.
  const rule = {
    data: { values: [{}] },
    mark: { type: 'rule', color: '#000000', strokeWidth: 1.5, strokeDash: [6, 3] },
    encoding: { x: { datum: upgradeAt, type: 'temporal' } },
  };
  if (label === null) return [rule];
  const text = {
    data: { values: [{}] },
    mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 4, dy: -3, fontSize: 11, color: '#000000' },
    encoding: { x: { datum: upgradeAt, type: 'temporal' }, y: { value: 0 }, text: { value: label } },
  };
  return [rule, text];
}

const timeAxis = {
  field: 't',
  type: 'temporal',
  title: 'Time (UTC)',
  scale: { type: 'utc' },
  axis: { format: '%H:%M', labelOverlap: true, tickCount: 6 },
} as const;

const windowColor = { field: 'window', type: 'nominal', title: null, scale: { domain: WINDOW_DOMAIN, range: WINDOW_RANGE } } as const;

export interface TimelineChartInput extends ChartText {
  rows: TimelineRow[];
  upgradeAt: number;
  /** Label next to the upgrade rule, e.g. "Upgrade 14:00 UTC". */
  upgradeLabel: string;
  valueTitle: string;
  /** Logarithmic value axis (latency) or linear from zero (rates). */
  logScale: boolean;
  /** More moments to mark beside the upgrade (the onset, flag actions), each a dotted rule with its label. */
  events?: TimelineEvent[];
  /** Stretches to shade (incidents: short bursts left out of the comparison), each with its label. */
  bands?: TimelineBand[];
}

export interface TimelineBand {
  /** Epoch ms, [start, stop). */
  start: number;
  stop: number;
  /** e.g. "incident ×25", "onset 95 % interval". */
  label: string;
  /** `incident` (default): a burst left out of the comparison; `onset`: the interval of a regression's start. */
  tone?: 'incident' | 'onset';
}

/** Band colours: Okabe-Ito orange for incidents, vermillion (the onset rule's colour) for an onset interval. */
const BAND_TONES = { incident: { fill: '#E69F00', opacity: 0.18, text: '#6b4400' }, onset: { fill: OKABE_ITO.vermillion, opacity: 0.12, text: '#8a2f00' } } as const;

/** Shaded bands behind the lines, labelled at their bottom left; a band is never narrower than a visible sliver. */
function bandLayers(bands: TimelineBand[]): unknown[] {
  return (['incident', 'onset'] as const).flatMap((tone) => {
    const mine = bands.filter((b) => (b.tone ?? 'incident') === tone);
    if (mine.length === 0) return [];
    const values = mine.map((b) => ({ start: b.start, stop: b.stop, label: b.label, tone }));
    const c = BAND_TONES[tone];
    return [
      {
        data: { values },
        mark: { type: 'rect', color: c.fill, opacity: c.opacity },
        encoding: { x: { field: 'start', type: 'temporal' }, x2: { field: 'stop' } },
      },
      {
        data: { values },
        mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -2, fontSize: 10, color: c.text },
        encoding: { x: { field: 'start', type: 'temporal' }, y: { value: 218 }, text: { field: 'label' } },
      },
    ];
  });
}

export interface TimelineEvent {
  /** Epoch ms. */
  at: number;
  /** e.g. "Onset 14:20", "tuned 14:32". */
  label: string;
  kind: 'onset' | 'action';
}

/** Event rules with their labels stacked down from the top of the plot, so close events do not overwrite each other. */
function eventLayers(events: TimelineEvent[]): unknown[] {
  return events.flatMap((e, i) => {
    const color = e.kind === 'onset' ? OKABE_ITO.vermillion : OKABE_ITO.grey;
    const one = { data: { values: [{}] } };
    return [
      { ...one, mark: { type: 'rule', color, strokeWidth: 1.5, strokeDash: [2, 3] }, encoding: { x: { datum: e.at, type: 'temporal' } } },
      {
        ...one,
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, fontSize: 11, color: e.kind === 'onset' ? OKABE_ITO.vermillion : '#333333' },
        encoding: { x: { datum: e.at, type: 'temporal' }, y: { value: 4 + 14 * i }, text: { value: e.label } },
      },
    ];
  });
}

/** Head room above the highest point (and, on a log axis, below the lowest): peaks must not touch the frame. */
export const DEFAULT_HEADROOM = 1.15;

/**
 * The value-axis domain with head room: linear axes from 0 to max × headroom, log axes from min / headroom to
 * max × headroom (a log axis has no zero). Null without drawable values.
 */
export function valueDomain(values: number[], logScale: boolean, headroom = DEFAULT_HEADROOM): [number, number] | null {
  const drawable = values.filter((v) => Number.isFinite(v) && (logScale ? v > 0 : v >= 0));
  if (drawable.length === 0) return null;
  const max = Math.max(...drawable);
  if (!logScale) return [0, max > 0 ? max * headroom : 1];
  const min = Math.min(...drawable);
  return [min / headroom, max * headroom];
}

/** One subject over time; series are told apart by dash pattern, windows by colour. */
export function timelineSpec(input: TimelineChartInput): TopLevelSpec {
  const domain = valueDomain(input.rows.map((r) => r.value), input.logScale);
  const ticks = input.logScale && domain ? logTickValues(domain[0], domain[1]) : null;
  const seriesNames = [...new Set(input.rows.map((r) => r.series))];
  return {
    // Extra title offset: the upgrade label sits above the plot, where no line can run through it.
    ...specFrame(input, input.rows, 20),
    width: 620,
    height: 220,
    layer: [
      ...bandLayers(input.bands ?? []),
      {
        mark: { type: 'line', strokeWidth: 1.8, point: false },
        encoding: {
          x: timeAxis,
          y: {
            field: 'value',
            type: 'quantitative',
            title: input.valueTitle,
            scale: { ...(input.logScale ? { type: 'log', nice: false } : { zero: true, nice: true }), ...(domain ? { domain } : {}) },
            axis: ticks ? { values: ticks } : {},
          },
          color: windowColor,
          strokeDash: seriesNames.length > 1
            ? { field: 'series', type: 'nominal', title: null, sort: seriesNames, scale: { domain: seriesNames, range: [[1, 0], [5, 3], [2, 2]].slice(0, seriesNames.length) } }
            : { value: [1, 0] },
          detail: { field: 'series' },
          tooltip: [{ field: 't', type: 'temporal', format: '%H:%M', title: 'time (UTC)' }, { field: 'series' }, { field: 'value', format: '.3~f' }],
        },
      },
      ...upgradeLayers(input.upgradeAt, input.upgradeLabel),
      ...eventLayers(input.events ?? []),
    ],
  } as TopLevelSpec;
}

/**
 * Rows marking each subject's value-axis head room (role "headroom", drawn invisibly): with one independent
 * axis per panel there is no single domain to set, so each panel's data carries its own.
 */
function headroomRows(rows: TimelineRow[], logScale: boolean): TimelineRow[] {
  const bySubject = new Map<string, TimelineRow[]>();
  for (const r of rows) {
    const g = bySubject.get(r.subject);
    if (g) g.push(r);
    else bySubject.set(r.subject, [r]);
  }
  const out: TimelineRow[] = [];
  for (const [subject, g] of bySubject) {
    const d = valueDomain(g.map((r) => r.value), logScale);
    if (!d) continue;
    for (const value of logScale ? d : [d[1]]) out.push({ subject, t: g[0].t, window: g[0].window, series: g[0].series, value, role: 'headroom' });
  }
  return out;
}

/**
 * Many subjects over time, one small panel each (independent y, shared time scale). Each panel draws its own
 * time axis, so a wrapped grid with empty cells has no axes under nothing, and the top y label sits flush
 * with the panel so every panel title lines up.
 */
export function timelineMultiplesSpec(input: TimelineChartInput & { columns?: number }): TopLevelSpec {
  const rows = [...input.rows, ...headroomRows(input.rows, input.logScale)];
  const isHeadroom = "datum.role === 'headroom'";
  const y = {
    field: 'value',
    type: 'quantitative',
    title: input.valueTitle,
    scale: input.logScale ? { type: 'log', nice: false } : { zero: true, nice: true },
    axis: { tickCount: 4, labelFlush: true },
  } as const;
  return {
    ...facetFrame(input, rows, input.columns),
    resolve: { scale: { y: 'independent' }, axis: { x: 'independent' } },
    spec: {
      width: DEFAULT_PANEL_WIDTH,
      height: DEFAULT_PANEL_HEIGHT,
      layer: [
        {
          transform: [{ filter: `!(${isHeadroom})` }],
          mark: { type: 'line', strokeWidth: 1.4 },
          encoding: {
            x: { ...timeAxis, title: null, axis: { ...timeAxis.axis, tickCount: 3 } },
            y,
            color: windowColor,
            detail: { field: 'series' },
          },
        },
        {
          transform: [{ filter: isHeadroom }],
          mark: { type: 'point', opacity: 0, size: 1 },
          encoding: { x: { field: 't', type: 'temporal' }, y: { field: 'value', type: 'quantitative' } },
        },
        ...upgradeLayers(input.upgradeAt, null),
      ],
    },
  } as TopLevelSpec;
}

/**
 * Thins each (subject, window, series) line to at most `maxPoints` by keeping the highest value of every k
 * consecutive intervals: a 200 px panel cannot show 240 points anyway, and the maximum keeps spikes (what a
 * reader looks for in p99 or retries) where an average would hide them. Returns the rows and k.
 */
export function thinTimeline(rows: TimelineRow[], maxPoints: number): { rows: TimelineRow[]; step: number } {
  const groups = new Map<string, TimelineRow[]>();
  for (const r of rows) {
    const key = `${r.subject}\u0000${r.window}\u0000${r.series}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  const longest = Math.max(0, ...[...groups.values()].map((g) => g.length));
  const step = Math.max(1, Math.ceil(longest / maxPoints));
  if (step === 1) return { rows, step };
  const out: TimelineRow[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.length; i += step) {
      const chunk = g.slice(i, i + step);
      out.push({ ...chunk[0], value: Math.max(...chunk.map((r) => r.value)) });
    }
  }
  return { rows: out, step };
}
