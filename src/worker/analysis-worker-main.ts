/**
 * The worker thread's message loop: runs one analysis per `run` message and posts progress, log lines and
 * the result (report + series) back. Errors travel as { code, message } only: no stack crosses to clients.
 */
import { parentPort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { isAppError } from '../errors.ts';
import type { runAnalysis } from '../runtime/run-analysis.ts';
import type { RunMessage, WorkerMessage } from './messages.ts';

/** Progress is posted at most this often; sources may report per chunk. */
export const DEFAULT_PROGRESS_POST_MS = 100;

const port = parentPort;
if (!port) throw new Error('analysis-worker-main.ts must run in a worker thread');

function post(message: WorkerMessage): void {
  port!.postMessage(message);
}

type Runner = typeof runAnalysis;

async function loadRunner(module: string | undefined): Promise<Runner> {
  // Loaded on demand so a worker only pays for the analysis code it runs.
  if (!module) return (await import('../runtime/run-analysis.ts')).runAnalysis;
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  return ((await import(url)) as { default: Runner }).default;
}

port.on('message', async (msg: RunMessage) => {
  if (msg?.type !== 'run') return;
  const { jobId } = msg;
  let lastPost = 0;
  try {
    const run = await loadRunner(msg.module);
    const result = await run(msg.request, {
      config: msg.config,
      onProgress: (fraction) => {
        const now = Date.now();
        if (now - lastPost < DEFAULT_PROGRESS_POST_MS) return;
        lastPost = now;
        post({ type: 'progress', jobId, fraction });
      },
      log: (message) => post({ type: 'log', jobId, message }),
    });
    post({ type: 'result', jobId, result });
  } catch (e) {
    post({ type: 'error', jobId, code: isAppError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) });
  }
});
