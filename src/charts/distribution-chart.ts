/**
 * Before/after distribution charts built from `DistributionSketch`es (quantiles at fixed probabilities):
 * the ECDF on a log latency axis, and next to it the survival curve 1 − F on a log share axis, which
 * is where a tail regression is visible (the slowest 1 % and 0.1 % get their own decades).
 */
import type { TopLevelSpec } from 'vega-lite';
import type { DistributionSketch } from '../analysis/types.ts';
import {
  DEFAULT_PANEL_HEIGHT,
  facetFrame,
  specFrame,
  type ChartText,
  DEFAULT_PANEL_WIDTH,
  logTickValues,
  WINDOW_DOMAIN,
  WINDOW_LABELS,
  WINDOW_RANGE,
} from './chart-style.ts';

export interface DistributionRow {
  subject: string;
  window: string;
  /** Quantile value in the metric's unit (> 0: the axis is logarithmic). */
  value: number;
  /** Share of observations at or below `value`. */
  share: number;
  /** Share of observations above `value` (1 − share). */
  tail: number;
}

/**
 * Points of both ECDFs. Empty windows and non-positive values are left out (a log axis cannot show
 * them), and so is p = 1, whose tail share 0 has no place on a log axis either. A window with few raw
 * observations (`exact`) is drawn from them: one step per observation at share i/n, not a curve through
 * interpolated quantiles that implies far more data than exists.
 */
export function distributionRows(subject: string, before: DistributionSketch, after: DistributionSketch): DistributionRow[] {
  const rows: DistributionRow[] = [];
  const push = (window: string, value: number | null | undefined, p: number) => {
    if (value === null || value === undefined || !(value > 0) || !(p > 0 && p < 1)) return;
    rows.push({ subject, window, value, share: p, tail: 1 - p });
  };
  for (const [window, sketch] of [[WINDOW_LABELS.before, before], [WINDOW_LABELS.after, after]] as const) {
    if (sketch.exact && sketch.exact.length > 0) {
      const n = sketch.exact.length;
      // Ties make one step of several observations: keep the highest share at each value.
      sketch.exact.forEach((value, i) => {
        if (i + 1 < n && sketch.exact![i + 1] === value) return;
        push(window, value, (i + 1) / n);
      });
    } else {
      sketch.probs.forEach((p, i) => push(window, sketch.values[i], p));
    }
  }
  return rows;
}

const windowColor = {
  field: 'window',
  type: 'nominal',
  title: null,
  scale: { domain: WINDOW_DOMAIN, range: WINDOW_RANGE },
} as const;

function valueAxis(valueTitle: string, rows: DistributionRow[]) {
  const min = Math.min(...rows.map((r) => r.value));
  const max = Math.max(...rows.map((r) => r.value));
  return { field: 'value', type: 'quantitative', title: valueTitle, scale: { type: 'log', nice: false }, axis: { values: logTickValues(min, max) } } as const;
}

/** Decades 1, 0.1, 0.01 … down to the lower end of the tail domain, as explicit ticks. */
function tailTicks(domain: [number, number]): number[] {
  const out: number[] = [];
  for (let v = 1; v >= domain[0] * 0.999; v /= 10) out.push(Number(v.toPrecision(6)));
  return out;
}

/** Log-scale domain for the tail share: from the smallest tail probability up to 1. */
function tailDomain(rows: DistributionRow[]): [number, number] {
  const smallest = rows.reduce((m, r) => Math.min(m, r.tail), 1);
  // The epsilon keeps 1 − 0.9999 (9.99…e-5 in floating point) in the 1e-4 decade.
  return [Math.max(1e-6, 10 ** Math.floor(Math.log10(smallest) + 1e-9)), 1];
}

export interface DistributionChartInput extends ChartText {
  rows: DistributionRow[];
  /** Axis title of the measured quantity with its unit, e.g. "Request latency (ms, log scale)". */
  valueTitle: string;
  /** Noun for the y axes, e.g. "requests" or "retried calls". */
  unitNoun: string;
}

/** ECDF and survival curve side by side for one subject. */
export function distributionSpec(input: DistributionChartInput): TopLevelSpec {
  const line = { type: 'line', interpolate: 'step-after', strokeWidth: 2 } as const;
  return {
    ...specFrame(input, input.rows),
    hconcat: [
      {
        width: 300,
        height: 220,
        title: { text: `Share of ${input.unitNoun} at or below`, fontSize: 12 },
        mark: line,
        encoding: {
          x: valueAxis(input.valueTitle, input.rows),
          y: { field: 'share', type: 'quantitative', title: `Share of ${input.unitNoun}`, axis: { format: '.0%' }, scale: { domain: [0, 1] } },
          color: windowColor,
          order: { field: 'value' },
          tooltip: [{ field: 'window' }, { field: 'value', format: '.1f' }, { field: 'share', format: '.3f' }],
        },
      },
      {
        width: 300,
        height: 220,
        title: { text: `Share of ${input.unitNoun} slower than (the tail)`, fontSize: 12 },
        mark: line,
        encoding: {
          x: valueAxis(input.valueTitle, input.rows),
          y: {
            field: 'tail',
            type: 'quantitative',
            title: `Share of ${input.unitNoun} (log scale)`,
            scale: { type: 'log', domain: tailDomain(input.rows) },
            // Explicit decades: Vega's default log ticks carry blank labels between them.
            axis: { format: '~%', values: tailTicks(tailDomain(input.rows)) },
          },
          color: windowColor,
          order: { field: 'value' },
          tooltip: [{ field: 'window' }, { field: 'value', format: '.1f' }, { field: 'tail', format: '.4f' }],
        },
      },
    ],
  } as TopLevelSpec;
}

/** Panel height of distribution small multiples: a log share axis needs room for its decades and its title. */
export const DEFAULT_DISTRIBUTION_PANEL_HEIGHT = 150;

/**
 * Survival curves of many subjects as small multiples (wrapped facets, independent latency axes). Each panel
 * draws its own value axis (no orphan axes under empty grid cells); the shared share axis keeps its top label
 * flush with the panel so every panel title lines up.
 */
export function distributionMultiplesSpec(input: DistributionChartInput & { columns?: number }): TopLevelSpec {
  return {
    ...facetFrame(input, input.rows, input.columns),
    resolve: { scale: { x: 'independent' }, axis: { x: 'independent' } },
    spec: {
      width: DEFAULT_PANEL_WIDTH,
      height: Math.max(DEFAULT_PANEL_HEIGHT, DEFAULT_DISTRIBUTION_PANEL_HEIGHT),
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
      encoding: {
        // One tick ladder for all panels; Vega drops the ticks outside each panel's own domain.
        x: { field: 'value', type: 'quantitative', title: input.valueTitle, scale: { type: 'log', nice: false }, axis: { values: logTickValues(Math.min(...input.rows.map((r) => r.value)), Math.max(...input.rows.map((r) => r.value))) } },
        y: {
          field: 'tail',
          type: 'quantitative',
          title: 'Share slower (log)',
          scale: { type: 'log', domain: tailDomain(input.rows) },
          axis: { format: '~%', values: tailTicks(tailDomain(input.rows)).filter((_, i) => i % 2 === 0), labelFlush: true },
        },
        color: windowColor,
        order: { field: 'value' },
      },
    },
  } as TopLevelSpec;
}
