/**
 * Bearer-token auth with two scopes. Tokens are kept only as SHA-256 digests and compared with
 * timingSafeEqual against every configured digest (no early exit), so response time does not reveal how
 * much of a token matched. 401 = no or unknown token, 403 = known token without the scope.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import type { AuthSettings } from '../runtime/service-settings.ts';
import type { SecretFilterOptions } from './redact.ts';

export type Scope = 'read' | 'write';

export interface TokenEntry {
  /** Label for logs and audit records: never the token itself. */
  name: string;
  scope: Scope;
  digest: Buffer;
}

export const HOW_TO_SET_WRITE_TOKEN =
  'set AFTERSHOCK_WRITE_TOKENS=<secret>[,<secret>…] in the environment, or add an auth.tokens entry ' +
  '{ name, scope: write, sha256: <hex digest of the secret> } to the config, and restart';

export function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Shortest token accepted from the environment. A short token is guessable, and the log filter replaces every
 * occurrence of a token's text: a one-character token would turn every log line into "[redacted]" fragments.
 */
export const MIN_TOKEN_LENGTH = 8;

const TOKEN_VARIABLES = { read: 'AFTERSHOCK_READ_TOKENS', write: 'AFTERSHOCK_WRITE_TOKENS' } as const;

/** The comma-separated tokens of one variable; a too-short one is refused by position (never echoed). */
function envTokens(env: NodeJS.ProcessEnv, scope: Scope): string[] {
  const variable = TOKEN_VARIABLES[scope];
  const tokens = (env[variable] ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  tokens.forEach((t, i) => {
    if (t.length < MIN_TOKEN_LENGTH) {
      throw new AppError('BAD_INPUT', `${variable}: token ${i + 1} has ${t.length} character(s); a token needs at least ${MIN_TOKEN_LENGTH} (use a long random secret, e.g. openssl rand -hex 32)`);
    }
  });
  return tokens;
}

function fromEnv(env: NodeJS.ProcessEnv, scope: Scope): TokenEntry[] {
  return envTokens(env, scope).map((t, i) => ({ name: `env-${scope}-${i + 1}`, scope, digest: sha256(t) }));
}

/** Every configured token, read or write, for the log filter: in clear from the environment, as digests from the config. */
export function tokenSecrets(settings: AuthSettings, env: NodeJS.ProcessEnv): SecretFilterOptions {
  return {
    plain: [...envTokens(env, 'read'), ...envTokens(env, 'write')],
    digests: settings.tokens.map((t) => Buffer.from(t.sha256, 'hex')),
  };
}

/** Tokens from AFTERSHOCK_READ_TOKENS / AFTERSHOCK_WRITE_TOKENS and from `auth.tokens` (digests). */
export function loadTokens(settings: AuthSettings, env: NodeJS.ProcessEnv): TokenEntry[] {
  return [
    ...fromEnv(env, 'read'),
    ...fromEnv(env, 'write'),
    ...settings.tokens.map((t) => ({ name: t.name, scope: t.scope, digest: Buffer.from(t.sha256, 'hex') })),
  ];
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface AuthOptions {
  tokens: TokenEntry[];
  openReads: AuthSettings['openReads'];
  /** Listen host: `openReads: auto` opens reads without a read token only on loopback. */
  host: string;
}

export interface Auth {
  requireRead: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  requireWrite: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  principal(request: FastifyRequest): string;
  /** Whether reads need no token (for the startup log line). */
  readsOpen: boolean;
  writesEnabled: boolean;
}

export function createAuth(options: AuthOptions): Auth {
  const { tokens } = options;
  const hasRead = tokens.some((t) => t.scope === 'read');
  const writesEnabled = tokens.some((t) => t.scope === 'write');
  const readsOpen = options.openReads === true || (options.openReads === 'auto' && !hasRead && isLoopbackHost(options.host));
  const principals = new WeakMap<FastifyRequest, string>();

  function identify(request: FastifyRequest): TokenEntry | null {
    const header = request.headers.authorization;
    if (!header) return null;
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!m) throw new AppError('UNAUTHORIZED', 'malformed Authorization header: expected "Bearer <token>"');
    const digest = sha256(m[1]);
    let found: TokenEntry | null = null;
    for (const t of tokens) {
      // Every entry is compared so the time taken does not depend on which one matched.
      if (timingSafeEqual(t.digest, digest) && (found === null || t.scope === 'write')) found = t;
    }
    if (!found) throw new AppError('UNAUTHORIZED', 'unknown bearer token');
    return found;
  }

  return {
    readsOpen,
    writesEnabled,
    principal: (request) => principals.get(request) ?? 'anonymous',
    async requireRead(request) {
      const token = identify(request);
      if (token) {
        principals.set(request, token.name);
        return;
      }
      if (readsOpen) return;
      throw new AppError('UNAUTHORIZED', 'this route needs a bearer token with the read or write scope (Authorization: Bearer <token>)');
    },
    async requireWrite(request) {
      if (!writesEnabled) throw new AppError('FORBIDDEN', `writes are disabled because no write token is configured: ${HOW_TO_SET_WRITE_TOKEN}`);
      const token = identify(request);
      if (!token) throw new AppError('UNAUTHORIZED', 'this route needs a bearer token with the write scope (Authorization: Bearer <token>)');
      principals.set(request, token.name);
      if (token.scope !== 'write') throw new AppError('FORBIDDEN', `token "${token.name}" has the read scope only; this route needs the write scope`);
    },
  };
}
