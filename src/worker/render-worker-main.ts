/**
 * The render worker's message loop: draws report pages and charts (Vega → SVG, resvg → PNG) off the HTTP
 * event loop. Errors travel as { code, message } only, so the routes answer exactly what they would have
 * answered rendering in-process, and no stack crosses to clients.
 */
import { parentPort } from 'node:worker_threads';
import { isAppError } from '../errors.ts';
import { renderHtmlReport } from '../report/html-report.ts';
import type { RenderReply, RenderRequest, RenderTask } from './render-messages.ts';
import { renderSvg, svgToPng } from '../charts/render.ts';

const port = parentPort;
if (!port) throw new Error('render-worker-main.ts must run in a worker thread');

function post(message: RenderReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function run(id: number, task: RenderTask): Promise<void> {
  const onWarning = (message: string) => post({ type: 'warning', id, message });
  if (task.kind === 'html') {
    const { chartBase } = task;
    const text = await renderHtmlReport(task.result, {
      jsonHref: task.jsonHref,
      chartHref: chartBase === undefined ? undefined : (name, format) => `${chartBase}/${name}.${format}`,
      onWarning,
    });
    post({ type: 'text', id, text });
    return;
  }
  const svg = await renderSvg(task.spec, { title: task.title, description: task.description, idPrefix: task.idPrefix, onWarning });
  if (task.kind === 'svg') {
    post({ type: 'text', id, text: svg });
    return;
  }
  const png = await svgToPng(svg, { scale: task.scale, log: onWarning });
  // A copy we own, so its buffer can be transferred instead of cloned.
  const bytes = new Uint8Array(png);
  post({ type: 'png', id, png: bytes }, [bytes.buffer]);
}

port.on('message', (msg: RenderRequest) => {
  run(msg.id, msg.task).catch((e: unknown) => {
    post({ type: 'error', id: msg.id, code: isAppError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
  });
});

post({ type: 'ready' });
