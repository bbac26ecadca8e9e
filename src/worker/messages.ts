/** Messages between the analysis pool (main thread) and its worker threads. Plain data only. */
import type { AnalysisResult } from '../analysis/types.ts';
import type { Config } from '../config.ts';
import type { ErrorCode } from '../errors.ts';
import type { AnalysisRequest } from '../runtime/run-analysis.ts';

/** Main → worker. `module`, when set, is a file URL of a module whose default export replaces runAnalysis (tests, benchmarks). */
export interface RunMessage {
  type: 'run';
  jobId: number;
  request: AnalysisRequest;
  config: Config;
  module?: string;
}

export type WorkerMessage =
  | { type: 'progress'; jobId: number; fraction: number }
  | { type: 'log'; jobId: number; message: string }
  | { type: 'result'; jobId: number; result: AnalysisResult }
  | { type: 'error'; jobId: number; code: ErrorCode; message: string };
