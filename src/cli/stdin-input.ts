/**
 * `--source -`: line protocol (plain or gzip-compressed) on standard input. The stream is spooled to a private
 * temporary file, so stdin takes exactly the path a file takes (size and progress, gzip by magic bytes, the
 * parallel read of large inputs, the same refusals); messages and the report name it `<stdin>`, never the
 * temporary path. The file is removed when the analysis ends.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError } from '../errors.ts';

export const STDIN_SOURCE = '-';
export const STDIN_LABEL = '<stdin>';
/** Prefix of the spool directory, under the temporary directory (a test run gives each run its own). */
export const STDIN_SPOOL_PREFIX = 'aftershock-stdin-';

export interface SpooledInput {
  /** The temporary file to analyse. */
  path: string;
  /** `text` with the temporary path replaced by `<stdin>`. */
  relabel(text: string): string;
  /** An error with its message relabelled (AppErrors keep their code, hence their exit code). */
  relabelError(e: unknown): unknown;
  remove(): Promise<void>;
}

/** `signal` bounds the read (the fetch deadline: a pipe trickling a byte now and then must not hold the run forever). */
export async function spoolStdin(input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin, options: { signal?: AbortSignal } = {}): Promise<SpooledInput> {
  // Waiting for a person to type telemetry until Ctrl-D is never what was meant.
  if (input.isTTY) throw new AppError('BAD_INPUT', '--source -: standard input is a terminal; pipe line protocol into it (e.g. zcat export.lp.gz | aftershock analyze --source - …)');
  const dir = await mkdtemp(path.join(os.tmpdir(), STDIN_SPOOL_PREFIX));
  // `.lp`: the content is line protocol by definition here; a bad one gets the file source's line-by-line refusal.
  const file = path.join(dir, 'stdin.lp');
  try {
    await pipeline(input, createWriteStream(file, { mode: 0o600 }), { signal: options.signal });
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    if (options.signal?.aborted && isAppError(options.signal.reason)) throw options.signal.reason;
    throw new AppError('BAD_INPUT', `--source -: cannot read standard input: ${(e as Error).message}`, { cause: e });
  }
  const relabel = (text: string) => text.split(file).join(STDIN_LABEL);
  return {
    path: file,
    relabel,
    relabelError: (e) => (isAppError(e) ? new AppError(e.code, relabel(e.message), { cause: e, details: e.details }) : e),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
