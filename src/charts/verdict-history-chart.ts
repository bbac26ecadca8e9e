/**
 * The verdict of an upgrade over time: one point per finished analysis, placed by how long the after window
 * was (the guard's analyses grow with every round), on three rows pass / warn / fail. Colour and shape both say
 * the verdict, and a thin line joins the points in time order.
 */
import type { TopLevelSpec } from 'vega-lite';
import { OKABE_ITO, specFrame, type ChartText } from './chart-style.ts';

export interface VerdictHistoryRow {
  /** After-window length in hours. */
  afterHours: number;
  verdict: 'pass' | 'warn' | 'fail';
  /** When the analysis ran (RFC 3339), for the tooltip and the order of the line. */
  at: string;
  by: string;
}

const VERDICTS = ['fail', 'warn', 'pass'];

export function verdictHistorySpec(input: ChartText & { rows: VerdictHistoryRow[] }): TopLevelSpec {
  // Head room on the right: the newest point must not sit half outside the frame.
  const top = Math.max(1, ...input.rows.map((r) => r.afterHours)) * 1.1;
  const x = { field: 'afterHours', type: 'quantitative' as const, title: 'Hours after the upgrade covered by the analysis', scale: { domain: [0, top], nice: true } };
  const y = { field: 'verdict', type: 'nominal', title: null, sort: VERDICTS, scale: { domain: VERDICTS }, axis: { labelFontSize: 12, labelFontWeight: 'bold' } } as const;
  return {
    ...specFrame(input, input.rows),
    width: 560,
    height: 110,
    layer: [
      { mark: { type: 'line', color: '#9a9a9a', strokeWidth: 1 }, encoding: { x, y, order: { field: 'at' } } },
      {
        mark: { type: 'point', filled: true, size: 90, opacity: 1 },
        encoding: {
          x,
          y,
          color: { field: 'verdict', type: 'nominal', legend: null, scale: { domain: VERDICTS, range: [OKABE_ITO.vermillion, OKABE_ITO.reddishPurple, OKABE_ITO.bluishGreen] } },
          shape: { field: 'verdict', type: 'nominal', legend: null, scale: { domain: VERDICTS, range: ['triangle-up', 'square', 'circle'] } },
          tooltip: [{ field: 'at', title: 'analysed' }, { field: 'afterHours', title: 'hours after', format: '.1f' }, { field: 'verdict' }, { field: 'by' }],
        },
      },
    ],
  } as TopLevelSpec;
}
