/**
 * The analysis task run in the analysis pool's worker threads (src/worker/analysis-pool.ts): one analysis per
 * task, with throttled progress and log lines posted back; the result (report + series) is the task's output.
 */
import { pathToFileURL } from 'node:url';
import type { Config } from '../config.ts';
import { defineTask, type TaskContext } from '../worker/task.ts';
import type { AnalysisRequest } from './analysis-request.ts';
import type { runAnalysis } from './run-analysis.ts';

/** Progress is posted at most this often; sources may report per chunk. */
export const DEFAULT_PROGRESS_POST_MS = 100;

/** Given once per worker. */
export interface AnalysisTaskData {
  config: Config;
  /** File URL or path of a module whose default export replaces runAnalysis (tests, benchmarks). */
  runnerModule?: string;
}

export type AnalysisTaskMessage = { type: 'progress'; fraction: number } | { type: 'log'; message: string };

type Runner = typeof runAnalysis;

async function loadRunner(module: string | undefined): Promise<Runner> {
  // Dynamic, so a worker with a replacement runner does not load the analysis code at all.
  if (!module) return (await import('./run-analysis.ts')).runAnalysis;
  const url = module.startsWith('file:') ? module : pathToFileURL(module).href;
  return ((await import(url)) as { default: Runner }).default;
}

export default defineTask(async ({ config, runnerModule }: AnalysisTaskData) => {
  // Loaded before the worker reports ready: the analysis timeout never counts loading the analysis code.
  const run = await loadRunner(runnerModule);
  return async (request: AnalysisRequest, ctx: TaskContext<AnalysisTaskMessage>) => {
    let lastPost = 0;
    return run(request, {
      config,
      onProgress: (fraction) => {
        const now = Date.now();
        if (now - lastPost < DEFAULT_PROGRESS_POST_MS) return;
        lastPost = now;
        ctx.post({ type: 'progress', fraction });
      },
      log: (message) => ctx.post({ type: 'log', message }),
    });
  };
});
