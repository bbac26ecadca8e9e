/**
 * Percentile charts from the tail-latency findings: one subject's p50…p99.9 before and after with the
 * confidence intervals of each estimate, and an overview of the relative change (with its interval) of
 * every endpoint at every percentile, one column per percentile, regressions in vermillion triangles.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Finding } from '../analysis/types.ts';
import {
  OKABE_ITO,
  specFrame,
  type ChartText,
  STATUS_DOMAIN,
  STATUS_LABELS,
  STATUS_RANGE,
  STATUS_SHAPES,
  WINDOW_DOMAIN,
  WINDOW_LABELS,
  WINDOW_RANGE,
  logTickValues,
} from './chart-style.ts';
import { formatChange } from '../analysis/format.ts';
import { quantileLevel } from './plain-words.ts';

/** Width of the caps at the interval ends (px): wider than the estimate's ring (about 8 px across). */
export const CAP_WIDTH_PX = 14;
/** Area of the estimate's ring (px²). */
const ESTIMATE_SIZE = 50;

/** Tail findings sorted by quantile level; non-quantile statistics are skipped. */
function byLevel(findings: Finding[]): Finding[] {
  return findings
    .filter((f) => f.kind === 'tail_latency' && quantileLevel(f.statistic) !== null)
    .sort((a, b) => (quantileLevel(a.statistic) ?? 0) - (quantileLevel(b.statistic) ?? 0));
}

export interface QuantileRow {
  statistic: string;
  window: string;
  value: number;
  lo: number;
  hi: number;
  status: string;
  change: string;
  /** Height of the change label: above the highest interval of the statistic. */
  labelY: number;
}

export function quantileRows(findings: Finding[]): QuantileRow[] {
  const rows: QuantileRow[] = [];
  for (const f of byLevel(findings)) {
    const pairs = [
      [WINDOW_LABELS.before, f.before, f.beforeCi],
      [WINDOW_LABELS.after, f.after, f.afterCi],
    ] as const;
    const present = pairs.filter(([, v]) => v !== null && v > 0);
    if (present.length === 0) continue;
    // An open interval end (too few observations beyond the quantile) is Infinity in memory: it cannot be drawn,
    // and an infinite axis domain made logTickValues loop until V8 aborted the process. Draw the estimate only.
    const drawable = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;
    const top = Math.max(...present.map(([, v, ci]) => Math.max(v as number, drawable(ci?.[1]) ? ci[1] : 0)));
    for (const [window, value, ci] of present) {
      rows.push({
        statistic: f.statistic,
        window,
        value: value as number,
        lo: ci && drawable(ci[0]) ? ci[0] : (value as number),
        hi: ci && drawable(ci[1]) ? ci[1] : (value as number),
        status: STATUS_LABELS[f.status],
        change: f.status === 'insufficient_data' ? 'too little data' : formatChange(f.relativeChange),
        labelY: top * 1.1,
      });
    }
  }
  return rows;
}

export interface QuantileChartInput extends ChartText {
  findings: Finding[];
  unit: string;
}

/** One subject: before/after at each percentile with intervals; the change printed above, bold when it is a regression. */
export function quantileComparisonSpec(input: QuantileChartInput): TopLevelSpec {
  const rows = quantileRows(input.findings);
  const order = [...new Set(rows.map((r) => r.statistic))];
  const x = { field: 'statistic', type: 'nominal', title: 'Percentile', sort: order, scale: { type: 'band', paddingInner: 0.3 }, axis: { labelAngle: 0 } } as const;
  const isRegression = `datum.status === '${STATUS_LABELS.regression}'`;
  // Explicit log domain with head room for the change labels above the highest interval.
  const lowest = Math.min(...rows.map((r) => r.lo));
  const highest = Math.max(...rows.map((r) => r.labelY));
  const domain = rows.length > 0 ? [lowest / 1.25, highest * 1.3] : undefined;
  return {
    ...specFrame(input, rows),
    width: Math.max(260, 90 * order.length),
    height: 240,
    encoding: { x },
    layer: [
      {
        mark: { type: 'rule', strokeWidth: 2 },
        encoding: {
          xOffset: { field: 'window', sort: WINDOW_DOMAIN },
          y: { field: 'lo', type: 'quantitative', scale: { type: 'log', nice: false, ...(domain ? { domain } : {}) }, axis: domain ? { values: logTickValues(domain[0], domain[1]) } : {}, title: `Latency (${input.unit}, log scale)` },
          y2: { field: 'hi' },
          color: { field: 'window', type: 'nominal', title: null, scale: { domain: WINDOW_DOMAIN, range: WINDOW_RANGE } },
        },
      },
      // Caps at both interval ends, wider than the estimate's ring: an interval narrower than the ring still
      // shows as two bars, instead of vanishing under a filled dot.
      ...(['lo', 'hi'] as const).map((end) => ({
        mark: { type: 'tick', orient: 'horizontal', size: CAP_WIDTH_PX, thickness: 2 },
        encoding: {
          xOffset: { field: 'window', sort: WINDOW_DOMAIN },
          y: { field: end, type: 'quantitative' },
          color: { field: 'window', type: 'nominal' },
        },
      })),
      {
        // A ring, not a dot: the interval stays visible through it.
        mark: { type: 'point', filled: false, size: ESTIMATE_SIZE, strokeWidth: 2, opacity: 1 },
        encoding: {
          xOffset: { field: 'window', sort: WINDOW_DOMAIN },
          y: { field: 'value', type: 'quantitative' },
          color: { field: 'window', type: 'nominal' },
          tooltip: [{ field: 'window' }, { field: 'statistic' }, { field: 'value', format: '.1f' }, { field: 'lo', format: '.1f' }, { field: 'hi', format: '.1f' }],
        },
      },
      // Two text layers because font weight is a mark property, not an encoding channel.
      {
        transform: [{ filter: `datum.window === '${WINDOW_LABELS.after}' && !(${isRegression})` }],
        mark: { type: 'text', fontSize: 12, baseline: 'bottom', color: '#222222' },
        encoding: { y: { field: 'labelY', type: 'quantitative' }, text: { field: 'change' } },
      },
      {
        transform: [{ filter: `datum.window === '${WINDOW_LABELS.after}' && ${isRegression}` }],
        mark: { type: 'text', fontSize: 13, baseline: 'bottom', fontWeight: 'bold', color: OKABE_ITO.vermillion },
        encoding: { y: { field: 'labelY', type: 'quantitative' }, text: { field: 'change' } },
      },
    ],
  } as TopLevelSpec;
}

export interface ChangeRow {
  subject: string;
  statistic: string;
  change: number;
  lo: number;
  hi: number;
  status: string;
}

export function changeRows(findings: Finding[], label: (f: Finding) => string): ChangeRow[] {
  return byLevel(findings)
    .filter((f) => f.relativeChange !== null && Number.isFinite(f.relativeChange))
    .map((f) => ({
      subject: label(f),
      statistic: f.statistic,
      change: f.relativeChange as number,
      lo: f.ci?.[0] ?? (f.relativeChange as number),
      hi: f.ci?.[1] ?? (f.relativeChange as number),
      status: STATUS_LABELS[f.status],
    }));
}

export interface ChangeOverviewInput extends ChartText {
  rows: ChangeRow[];
  /** Relative tolerance drawn as a dashed line (0.10 = +10 %). */
  tolerance?: number;
}

/** Every endpoint × percentile: relative change with its interval; one row per endpoint, so 50 endpoints stay legible. */
export function changeOverviewSpec(input: ChangeOverviewInput): TopLevelSpec {
  const statistics = [...new Set(input.rows.map((r) => r.statistic))];
  const subjects = [...new Set(input.rows.map((r) => r.subject))];
  const y = { field: 'subject', type: 'nominal', title: null, sort: subjects, axis: { labelLimit: 320 } } as const;
  // Columns are narrow: Vega drops labels that would overlap rather than printing them over each other.
  const x = { type: 'quantitative', title: 'Change', axis: { format: '~%', tickCount: 4, labelOverlap: 'greedy' } } as const;
  const layers: unknown[] = [
    { data: { values: [{}] }, mark: { type: 'rule', color: '#888888' }, encoding: { x: { datum: 0, type: 'quantitative' } } },
    {
      mark: { type: 'rule', strokeWidth: 1.5, color: '#444444' },
      encoding: { y, x: { field: 'lo', ...x }, x2: { field: 'hi' } },
    },
    {
      mark: { type: 'point', filled: true, size: 60, opacity: 1 },
      encoding: {
        y,
        x: { field: 'change', ...x },
        color: { field: 'status', type: 'nominal', title: null, scale: { domain: STATUS_DOMAIN, range: STATUS_RANGE }, legend: { labelLimit: 260 } },
        shape: { field: 'status', type: 'nominal', title: null, scale: { domain: STATUS_DOMAIN, range: STATUS_SHAPES } },
        tooltip: [{ field: 'subject' }, { field: 'statistic' }, { field: 'change', format: '+.1%' }, { field: 'lo', format: '+.1%' }, { field: 'hi', format: '+.1%' }, { field: 'status' }],
      },
    },
  ];
  if (input.tolerance !== undefined && input.tolerance > 0) {
    layers.splice(1, 0, {
      data: { values: [{}] },
      mark: { type: 'rule', color: OKABE_ITO.vermillion, strokeDash: [4, 3] },
      encoding: { x: { datum: input.tolerance, type: 'quantitative' } },
    });
  }
  return {
    ...specFrame(input, input.rows),
    facet: { column: { field: 'statistic', type: 'nominal', sort: statistics, title: null, header: { labelFontWeight: 'bold', labelFontSize: 12 } } },
    resolve: { scale: { x: 'independent' } },
    spacing: 14,
    spec: { width: 130, height: Math.max(40, 20 * subjects.length), layer: layers },
  } as TopLevelSpec;
}
