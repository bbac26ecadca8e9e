/**
 * Keeps bearer tokens out of the service log. By name: query parameters that look secret (`?access_token=`,
 * `?bearer=` …) lose their values in the logged URL. By value: every configured token, read or write, is
 * replaced wherever it appears in a log line (a URL path, any parameter name, an error message), including the
 * tokens configured only as SHA-256 digests, which are recognised by hashing the words of the line.
 */
import { createHash } from 'node:crypto';

export const REDACTED = '[redacted]';
/** Query parameters whose values must not reach the log: a client that puts its token in the URL by mistake. */
const SECRET_PARAM = /token|secret|key|password|passwd|auth|bearer|credential|session|jwt|signature/i;
/** Words of a log line that could be a whole token: split at whitespace, quotes and URL punctuation. */
const WORD_BREAKS = /[\s"'`<>()[\]{}\\/?&=#,;|]+/;
/** Shorter words are never hashed (no sane token is this short; it keeps the hot log path cheap). */
const MIN_TOKEN_LENGTH = 6;
/** Nesting followed inside a logged object; log objects here are flat, deeper parts are left as they are. */
const MAX_DEPTH = 6;

export interface SecretFilter {
  /** Whether `value` is one of the configured tokens. */
  isSecret(value: string): boolean;
  /** `text` with every configured token in it replaced by [redacted]. */
  redact(text: string): string;
  /** A copy of a log argument with `redact` applied to every string in it (objects, arrays, errors). */
  redactValue(value: unknown): unknown;
  /** False when no token is configured: nothing to look for. */
  readonly active: boolean;
}

export interface SecretFilterOptions {
  /** Tokens known in clear (from the environment). */
  plain: string[];
  /** SHA-256 digests of tokens known only as digests (config `auth.tokens`). */
  digests: Buffer[];
}

function hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

function decoded(word: string): string {
  try {
    return decodeURIComponent(word.replace(/\+/g, ' '));
  } catch {
    return word;
  }
}

export function createSecretFilter(options: SecretFilterOptions): SecretFilter {
  const plain = [...new Set(options.plain.filter((t) => t.length > 0))];
  // Each token also as it looks inside a URL.
  const forms = [...new Set(plain.flatMap((t) => [t, encodeURIComponent(t), encodeURI(t)]))].sort((a, b) => b.length - a.length);
  const digests = new Set(options.digests.map((d) => d.toString('hex')));
  for (const t of plain) digests.delete(hex(t));
  const known = new Set([...digests, ...plain.map(hex)]);

  function redact(text: string): string {
    let out = text;
    for (const f of forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
    if (digests.size === 0) return out;
    for (const word of new Set(out.split(WORD_BREAKS))) {
      if (word.length < MIN_TOKEN_LENGTH) continue;
      for (const candidate of new Set([word, decoded(word)])) {
        if (digests.has(hex(candidate))) out = out.split(word).join(REDACTED);
      }
    }
    return out;
  }

  function redactValue(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return redact(value);
    if (depth >= MAX_DEPTH || value === null || typeof value !== 'object') return value;
    if (value instanceof Error) return { type: value.name, message: redact(value.message), stack: value.stack === undefined ? undefined : redact(value.stack) };
    if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
    if (Object.getPrototypeOf(value) !== Object.prototype) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, depth + 1)]));
  }

  return {
    active: known.size > 0,
    isSecret: (value) => value.length > 0 && known.has(hex(value)),
    redact: (text) => (known.size > 0 ? redact(text) : text),
    redactValue: (value) => (known.size > 0 ? redactValue(value) : value),
  };
}

/** The URL for the log: values of secret-looking query parameters replaced, then every known token by value. */
export function redactUrl(url: string, secrets?: SecretFilter): string {
  const q = url.indexOf('?');
  let out = url;
  if (q >= 0) {
    const parts = url.slice(q + 1).split('&').map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAM.test(decoded(name)) ? `${name}=${REDACTED}` : pair;
    });
    out = `${url.slice(0, q)}?${parts.join('&')}`;
  }
  return secrets ? secrets.redact(out) : out;
}
