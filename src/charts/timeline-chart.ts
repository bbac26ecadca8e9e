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
}

/** One subject over time; series are told apart by dash pattern, windows by colour. */
export function timelineSpec(input: TimelineChartInput): TopLevelSpec {
  const values = input.rows.map((r) => r.value).filter((v) => v > 0);
  const ticks = input.logScale && values.length > 0 ? logTickValues(Math.min(...values), Math.max(...values)) : null;
  const seriesNames = [...new Set(input.rows.map((r) => r.series))];
  return {
    // Extra title offset: the upgrade label sits above the plot, where no line can run through it.
    ...specFrame(input, input.rows, 20),
    width: 620,
    height: 220,
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1.8, point: false },
        encoding: {
          x: timeAxis,
          y: { field: 'value', type: 'quantitative', title: input.valueTitle, scale: input.logScale ? { type: 'log', nice: false } : { zero: true }, axis: ticks ? { values: ticks } : {} },
          color: windowColor,
          strokeDash: seriesNames.length > 1
            ? { field: 'series', type: 'nominal', title: null, sort: seriesNames, scale: { domain: seriesNames, range: [[1, 0], [5, 3], [2, 2]].slice(0, seriesNames.length) } }
            : { value: [1, 0] },
          detail: { field: 'series' },
          tooltip: [{ field: 't', type: 'temporal', format: '%H:%M', title: 'time (UTC)' }, { field: 'series' }, { field: 'value', format: '.3~f' }],
        },
      },
      ...upgradeLayers(input.upgradeAt, input.upgradeLabel),
    ],
  } as TopLevelSpec;
}

/** Many subjects over time, one small panel each (independent y, shared time axis). */
export function timelineMultiplesSpec(input: TimelineChartInput & { columns?: number }): TopLevelSpec {
  return {
    ...facetFrame(input, input.rows, input.columns),
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: DEFAULT_PANEL_WIDTH,
      height: DEFAULT_PANEL_HEIGHT,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1.4 },
          encoding: {
            x: { ...timeAxis, axis: { ...timeAxis.axis, tickCount: 3 } },
            y: { field: 'value', type: 'quantitative', title: input.valueTitle, scale: input.logScale ? { type: 'log', nice: false } : { zero: true }, axis: { tickCount: 4 } },
            color: windowColor,
            detail: { field: 'series' },
          },
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
