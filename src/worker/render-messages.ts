/** Messages between the render client (main thread) and the render worker. Plain data only. */
import type { TopLevelSpec } from 'vega-lite';
import type { AnalysisResult } from '../analysis/types.ts';
import type { ErrorCode } from '../errors.ts';

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

export interface RenderRequest {
  id: number;
  task: RenderTask;
}

/** Worker → main; `ready` once the renderers are loaded, so a render's timeout does not count worker start-up. */
export type RenderReply =
  | { type: 'ready' }
  | { type: 'warning'; id: number; message: string }
  | { type: 'text'; id: number; text: string }
  | { type: 'png'; id: number; png: Uint8Array }
  | { type: 'error'; id: number; code: ErrorCode; message: string };
