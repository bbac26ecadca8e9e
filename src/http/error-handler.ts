/**
 * The one place that maps errors to HTTP responses. AppError codes map to fixed status codes; Fastify's own
 * client errors (validation, body too large, bad content type) keep their 4xx status and message; anything
 * else is a 500 with a generic message. Bodies never carry stacks; logs carry code and message only.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isAppError, type ErrorCode } from '../errors.ts';
import { DURATION_PATTERN } from './schemas.ts';

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  BAD_INPUT: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  OUT_OF_BOUNDS: 422,
  BUSY: 429,
  UPSTREAM: 502,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/** Retry-After (seconds) for a 429 that did not set one (queue full, action lock busy, shutting down). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

const CODE_BY_STATUS: Record<number, ErrorCode> = { 400: 'BAD_INPUT', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 429: 'BUSY' };

interface SchemaError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** How a pattern or format mismatch reads for a person; Ajv would quote the regex or the format's name. */
const PATTERN_WORDS: Record<string, string> = {
  [DURATION_PATTERN]: 'must be a duration such as 30m, 2h, 1h30m or 1d (units ms, s, m, h, d, w)',
};
const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'must be an RFC 3339 time with a zone, e.g. 2026-11-20T14:00:00Z',
};

/**
 * The allowed values when the failing schema is a choice of constants (TypeBox unions of literals are `anyOf`
 * of `const`, enums are `enum`): Ajv reports each branch as "must be equal to constant", naming none of them.
 */
function allowedValues(errors: SchemaError[], path: string): unknown[] | null {
  const e = errors.find((x) => x.instancePath === path && x.keyword === 'enum');
  if (e && Array.isArray(e.params.allowedValues)) return e.params.allowedValues;
  const atPath = errors.filter((x) => x.instancePath === path);
  const consts = atPath.filter((x) => x.keyword === 'const');
  if (consts.length > 0 && atPath.every((x) => x.keyword === 'const' || x.keyword === 'anyOf')) return consts.map((x) => x.params.allowedValue);
  return null;
}

/** "body.before must be a duration …", "body has unknown property \"colour\"", "querystring.verdict must be one of pass, warn, fail". */
export function formatSchemaErrors(errors: SchemaError[], dataVar: string): Error {
  const e = errors[0];
  const where = `${dataVar}${e.instancePath.replace(/\//g, '.')}`;
  const allowed = allowedValues(errors, e.instancePath);
  let text: string;
  if (e.keyword === 'required') text = `${where}.${String(e.params.missingProperty)} is required`;
  else if (e.keyword === 'additionalProperties') text = `${where} has unknown property "${String(e.params.additionalProperty)}"`;
  else if (allowed) text = `${where} must be one of ${allowed.map(String).join(', ')}`;
  else if (e.keyword === 'pattern') text = `${where} ${PATTERN_WORDS[String(e.params.pattern)] ?? 'is not in the documented format (see /openapi.json)'}`;
  else if (e.keyword === 'format') text = `${where} ${FORMAT_WORDS[String(e.params.format)] ?? `must be a ${String(e.params.format)}`}`;
  else text = `${where} ${e.message ?? 'is invalid'}`;
  return new Error(text);
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setSchemaErrorFormatter((errors, dataVar) => formatSchemaErrors(errors as SchemaError[], dataVar));
  app.setErrorHandler(replyWithError);

  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}`, requestId: String(request.id) });
  });
}

/** Sends the documented error body for any error; also used for the router's own errors (Fastify `frameworkErrors`). */
export function replyWithError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  let status: number;
  let code: string;
  let message: string;
  if (isAppError(error)) {
    status = STATUS_BY_CODE[error.code];
    code = error.code;
    message = error.message;
  } else if ('validation' in error && error.validation) {
    status = 400;
    code = 'BAD_INPUT';
    message = `invalid request: ${error.message}`;
  } else if ('statusCode' in error && typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    // Fastify's client errors (FST_ERR_CTP_BODY_TOO_LARGE → 413, unsupported media type → 415, bad JSON → 400).
    status = error.statusCode;
    // Keep the code set closed: 413 (body too large), 415 (media type) and the like are bad input too.
    code = CODE_BY_STATUS[status] ?? 'BAD_INPUT';
    message = error.message;
  } else {
    status = 500;
    code = 'INTERNAL';
    message = 'internal error; the server log has details under this request id';
  }
  const logged = { code, message: status === 500 ? error.message : message, statusCode: status };
  if (status >= 500) request.log.error({ err: logged }, 'request failed');
  else request.log.info({ err: logged }, 'request rejected');
  // Router errors (frameworkErrors) never ran the onRequest hook that sets it.
  if (!reply.hasHeader('x-request-id')) reply.header('x-request-id', String(request.id));
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="aftershock"');
  // Automated clients back off by Retry-After; the rate limiter sets its own exact value, the rest get a default.
  if (status === 429 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(DEFAULT_RETRY_AFTER_SECONDS));
  void reply.code(status).type('application/json; charset=utf-8').send({ statusCode: status, code, message, requestId: String(request.id) });
}
