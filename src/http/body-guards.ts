/**
 * Input the store or the parser cannot take, refused as a 400 naming the field before it gets there: JSON nested
 * deeper than any body of this API needs (5 000 `[` overflowed the stack as a 500), and strings PostgreSQL text and
 * jsonb refuse (U+0000, lone UTF-16 surrogates such as "\ud800", which failed deep in the store as 500s).
 * Authentication runs earlier still (routes declare it in `onRequest`), so a caller without a token never gets
 * its body parsed at all.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';

/** Deepest nesting of arrays and objects a body may have; the deepest body of the API nests 2 levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Index of the first bracket that opens level `maxDepth + 1`, or -1. One pass over the text without recursion,
 * skipping string contents, so a hostile body costs O(length) and never the call stack.
 */
export function excessiveNesting(text: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return -1;
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (String#isWellFormed is ES2024). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL would refuse this string, or null. */
function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate (e.g. "\\ud800"), which is not valid Unicode text';
  return null;
}

/**
 * The first string (value or key) in `value` that PostgreSQL cannot store, e.g. "body.services.1 contains a NUL
 * character (U+0000)". Bodies are depth-limited before they get here, so the recursion is bounded.
 */
export function findBadText(value: unknown, where: string): string | null {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    return problem ? `${where} ${problem}` : null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyProblem = textProblem(k);
      if (keyProblem) return `${where} has a property name that ${keyProblem}`;
      const found = findBadText(v, `${where}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

/** Replaces the JSON body parser with a depth-checked one and refuses unstorable text in params, query and body. */
export function registerBodyGuards(app: FastifyInstance): void {
  const { onProtoPoisoning, onConstructorPoisoning } = app.initialConfig as { onProtoPoisoning?: 'error' | 'remove' | 'ignore'; onConstructorPoisoning?: 'error' | 'remove' | 'ignore' };
  // Fastify's own parser (secure-json-parse, same poisoning policy) after the depth check.
  const parse = app.getDefaultJsonParser(onProtoPoisoning ?? 'error', onConstructorPoisoning ?? 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    const at = excessiveNesting(text);
    if (at >= 0) {
      done(new AppError('BAD_INPUT', `invalid request: body nests arrays/objects deeper than ${MAX_JSON_DEPTH} levels (at character ${at + 1})`), undefined);
      return;
    }
    parse(request, text, done);
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const problem = findBadText(request.params, 'params') ?? findBadText(request.query, 'querystring') ?? findBadText(request.body, 'body');
    done(problem ? new AppError('BAD_INPUT', `invalid request: ${problem}`) : undefined);
  });
}
