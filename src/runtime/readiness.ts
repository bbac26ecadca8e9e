/**
 * Readiness: the store and every configured source answer within a timeout (GET /readyz). Each check runs
 * in parallel with its own deadline, so one dead dependency neither hides the others nor hangs the probe.
 */
import type { Config } from '../config.ts';
import { createSource } from '../sources/resolve-source.ts';

export const DEFAULT_READY_TIMEOUT_MS = 3000;

export interface ReadinessCheck {
  ok: boolean;
  message?: string;
}

async function withTimeout<T>(what: string, ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(options: { config: Config; pingStore: () => Promise<void>; timeoutMs?: number }): Promise<Record<string, ReadinessCheck>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const checks: Record<string, ReadinessCheck> = {};
  const run = async (name: string, fn: (signal: AbortSignal) => Promise<void>) => {
    try {
      await withTimeout(name, timeoutMs, fn);
      checks[name] = { ok: true };
    } catch (e) {
      checks[name] = { ok: false, message: (e as Error).message };
    }
  };
  await Promise.all([
    run('store', () => options.pingStore()),
    ...Object.keys(options.config.sources ?? {}).map((name) =>
      run(`source:${name}`, async (signal) => {
        const source = createSource(name, options.config);
        try {
          await source.ping?.(signal);
        } finally {
          await source.close?.();
        }
      }),
    ),
  ]);
  return checks;
}
