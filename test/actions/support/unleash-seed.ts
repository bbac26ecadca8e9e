/**
 * Test support: creates a uniquely named flag in the real Unleash server with one flexibleRollout (100 %)
 * strategy whose variant carries the backoff constants, the way a team would set it up by hand.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { BackoffConstants } from '../../../src/actions/backoff-constants.ts';

export const TEST_VARIANT = 'backoff-constants';
export const TEST_ENVIRONMENT = 'development';
export const SEED_CONSTANTS: BackoffConstants = { baseMs: 200, maxMs: 8000, multiplier: 3, jitter: 0.2, maxAttempts: 4 };

/**
 * One admin API call on a fresh connection: a pooled keep-alive socket that Unleash closes just as it is reused
 * fails a POST with "other side closed", and a POST must not be blindly retried.
 */
export async function admin(url: string, token: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const { status, answer } = await new Promise<{ status: number; answer: string }>((resolve, reject) => {
    const req = http.request(
      url + path,
      { method, agent: false, headers: { Authorization: token, 'Content-Type': 'application/json', ...(text === undefined ? {} : { 'Content-Length': Buffer.byteLength(text) }) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: data }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
  if (status < 200 || status >= 300) throw new Error(`seed: ${method} ${path} → ${status} ${answer}`);
  return answer ? JSON.parse(answer) : null;
}

export async function seedFlag(
  url: string,
  token: string,
  /** `payload`: the variant's JSON payload as given (fields of any type), instead of `constants`. */
  options: { constants?: BackoffConstants; payload?: Record<string, unknown>; enabled?: boolean; prefix?: string } = {},
): Promise<string> {
  const flag = `${options.prefix ?? 'dten.backoff.v2'}.${randomBytes(4).toString('hex')}`;
  await admin(url, token, 'POST', '/api/admin/projects/default/features', { name: flag, type: 'release' });
  await admin(url, token, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/strategies`, {
    name: 'flexibleRollout',
    parameters: { rollout: '100', stickiness: 'default', groupId: flag },
    variants: [
      {
        name: TEST_VARIANT,
        weight: 1000,
        weightType: 'variable',
        stickiness: 'default',
        payload: { type: 'json', value: JSON.stringify(options.payload ?? options.constants ?? SEED_CONSTANTS) },
      },
    ],
  });
  if (options.enabled ?? true) await admin(url, token, 'POST', `/api/admin/projects/default/features/${flag}/environments/${TEST_ENVIRONMENT}/on`);
  return flag;
}

/** The variant payload exactly as Unleash stores it (parsed), to see fields aftershock does not own. */
export async function rawPayload(url: string, token: string, flag: string): Promise<unknown> {
  const feature = (await admin(url, token, 'GET', `/api/admin/projects/default/features/${flag}`)) as {
    environments: Array<{ name: string; strategies: Array<{ variants?: Array<{ name: string; payload?: { value: string } }> }> }>;
  };
  const env = feature.environments.find((e) => e.name === TEST_ENVIRONMENT)!;
  const variant = env.strategies.flatMap((s) => s.variants ?? []).find((v) => v.name === TEST_VARIANT);
  return variant?.payload ? JSON.parse(variant.payload.value) : null;
}
