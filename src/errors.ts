/**
 * The one error type of aftershock. The code set is closed; only the HTTP error handler and the CLI map
 * codes to status codes / exit codes. Too little data is a finding status, never an error.
 */
export const ERROR_CODES = [
  'BAD_INPUT', // malformed file, bad argument, invalid config value (CLI exit 2, HTTP 400)
  'NOT_FOUND', // unknown analysis id, unknown bucket/db/measurement (HTTP 404, CLI exit 2)
  'UNAUTHORIZED', // missing/invalid credentials (HTTP 401; upstream 401 → CLI exit 2)
  'FORBIDDEN', // valid credentials without the scope (HTTP 403)
  'CONFLICT', // state changed underneath (revert of a flag changed since) (HTTP 409)
  'OUT_OF_BOUNDS', // a flag change outside configured bounds (HTTP 422)
  'BUSY', // queue full, rate limited (HTTP 429)
  'UPSTREAM', // a server we depend on failed or is unreachable (HTTP 502, CLI exit 2)
  'TIMEOUT', // an operation took too long (HTTP 504)
  'INTERNAL', // a bug (HTTP 500)
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Extra structured context safe to show to a client (never secrets). */
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** A file-system error in words ("no such file" rather than ENOENT), for messages that already name the path. */
export function describeFileError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is not a directory' };
  return (code && words[code]) ?? (e as Error).message;
}
