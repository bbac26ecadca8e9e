/**
 * Shared look of every chart: a colour-blind-safe palette (Okabe & Ito, "Color Universal Design", 2008),
 * the font, sizes and the Vega-Lite config block. Before/after are always blue/vermillion so a reader
 * learns the pair once per page; status colours add a shape too, so nothing relies on colour alone.
 */
import type { Config } from 'vega-lite';

/** Okabe-Ito colours picked for at least 3:1 contrast on white (WCAG 1.4.11 for graphics). */
export const OKABE_ITO = {
  blue: '#0072B2',
  vermillion: '#D55E00',
  bluishGreen: '#009E73',
  reddishPurple: '#CC79A7',
  grey: '#6E6E6E',
  black: '#000000',
} as const;

export const WINDOW_LABELS = { before: 'Before upgrade', after: 'After upgrade' } as const;
export const WINDOW_DOMAIN = [WINDOW_LABELS.before, WINDOW_LABELS.after];
export const WINDOW_RANGE = [OKABE_ITO.blue, OKABE_ITO.vermillion];

export const STATUS_LABELS = {
  regression: 'Regression',
  improvement: 'Improvement',
  no_change: 'No meaningful change',
  insufficient_data: 'Too little data',
} as const;
export const STATUS_DOMAIN = Object.values(STATUS_LABELS);
export const STATUS_RANGE = [OKABE_ITO.vermillion, OKABE_ITO.bluishGreen, OKABE_ITO.grey, OKABE_ITO.reddishPurple];
export const STATUS_SHAPES = ['triangle-up', 'triangle-down', 'circle', 'square'];

/**
 * DejaVu Sans first: it is the font the PNG renderer loads, so SVG in a browser and PNG look alike.
 * The fallbacks keep browsers without DejaVu readable.
 */
export const DEFAULT_CHART_FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';
export const DEFAULT_CHART_WIDTH = 420;
export const DEFAULT_CHART_HEIGHT = 240;
/** Small-multiple panel size: large enough for 10 px labels, small enough for 4 columns on a laptop. */
export const DEFAULT_PANEL_WIDTH = 200;
export const DEFAULT_PANEL_HEIGHT = 110;
export const DEFAULT_PANEL_COLUMNS = 4;

export const CHART_CONFIG: Config = {
  font: DEFAULT_CHART_FONT,
  background: '#ffffff',
  // Per-mark ARIA labels bloat inline SVG by thousands of nodes; the page gives each chart one
  // role="img" label instead.
  aria: false,
  title: { fontSize: 15, anchor: 'start', color: '#111111', subtitleFontSize: 12, subtitleColor: '#333333', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, labelColor: '#222222', titleColor: '#111111', gridColor: '#e4e4e4' },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: 'bottom', direction: 'horizontal' },
  // Headless Vega estimates text width without font metrics, generously: limits leave room for that.
  header: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  view: { stroke: '#cccccc' },
};

/**
 * Tick values for a log axis over [min, max]: 1-2-5 steps per decade, or every integer step when the
 * range is under a decade. Vega's own log ticks put a grid line at every 1…9 × 10^k and then hide most
 * labels, which leaves ends unlabelled and the grid crowded.
 */
export function logTickValues(min: number, max: number): number[] {
  // A non-finite end would make the decade loop below endless.
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) return [];
  const pick = (mantissas: number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)) - 1; e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(6));
        if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
      }
    }
    return out;
  };
  const coarse = pick([1, 2, 5]);
  return coarse.length >= 3 ? coarse : pick([1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]);
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** What every chart builder takes besides its data. */
export interface ChartText {
  title: string;
  subtitle?: string;
  /** Alt text, copied into the spec's `description`. */
  description: string;
}

/** The part every top-level spec shares: schema, title block, description, config and inline data. */
export function specFrame(text: ChartText, rows: unknown[], titleOffset?: number) {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: text.title, ...(titleOffset !== undefined ? { offset: titleOffset } : {}), ...(text.subtitle ? { subtitle: text.subtitle } : {}) },
    description: text.description,
    config: CHART_CONFIG,
    data: { values: rows },
  };
}

/** Wrapped small multiples, one panel per `subject`, in the order the rows list them. */
export function facetFrame(text: ChartText, rows: Array<{ subject: string }>, columns: number | undefined) {
  return {
    ...specFrame(text, rows),
    facet: { field: 'subject', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.subject))], header: { labelFontWeight: 'bold' } },
    columns: columns ?? DEFAULT_PANEL_COLUMNS,
  };
}
