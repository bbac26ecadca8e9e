/**
 * The render task run in the render client's worker thread (src/http/render-client.ts): draws report pages and
 * charts (Vega → SVG, resvg → PNG) off the HTTP event loop. Errors keep the code and message the in-process
 * renderers throw, so the routes answer exactly what they would have answered rendering in-process.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { AnalysisResult } from '../analysis/types.ts';
import { renderSvg, svgToPng } from '../charts/render.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import { defineTask, withTransfer, type TaskContext } from '../worker/task.ts';

/** What to draw: a whole report page, or one chart as SVG or PNG. */
export type RenderTask =
  | {
      kind: 'html';
      result: AnalysisResult;
      jsonHref?: string;
      /** Chart links become `${chartBase}/${name}.${format}` (a function cannot cross threads). */
      chartBase?: string;
    }
  | {
      kind: 'svg' | 'png';
      spec: TopLevelSpec;
      title?: string;
      description?: string;
      idPrefix?: string;
      /** PNG zoom factor (png only). */
      scale?: number;
    };

export type RenderOutput = { type: 'text'; text: string } | { type: 'png'; png: Uint8Array };

/** Posted while rendering: a renderer's warning. */
export interface RenderWarning {
  type: 'warning';
  message: string;
}

// The renderers are imported statically: loaded before the worker reports ready, outside any render's timeout.
export default defineTask(() => async (task: RenderTask, ctx: TaskContext<RenderWarning>) => {
  const onWarning = (message: string): void => ctx.post({ type: 'warning', message });
  if (task.kind === 'html') {
    const { chartBase } = task;
    const text = await renderHtmlReport(task.result, {
      jsonHref: task.jsonHref,
      chartHref: chartBase === undefined ? undefined : (name, format) => `${chartBase}/${name}.${format}`,
      onWarning,
    });
    return { type: 'text', text } satisfies RenderOutput;
  }
  const svg = await renderSvg(task.spec, { title: task.title, description: task.description, idPrefix: task.idPrefix, onWarning });
  if (task.kind === 'svg') return { type: 'text', text: svg } satisfies RenderOutput;
  const png = await svgToPng(svg, { scale: task.scale, log: onWarning });
  // A copy we own, so its buffer can be transferred instead of cloned.
  const bytes = new Uint8Array(png);
  return withTransfer<RenderOutput>({ type: 'png', png: bytes }, [bytes.buffer]);
});
