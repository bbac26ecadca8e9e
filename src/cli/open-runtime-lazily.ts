/**
 * `openRuntime`, loaded on first call: the runtime pulls in the store (PGlite/pg), the sources, the worker pool and
 * the Unleash client, about 0.3 s of CPU at start-up, which `aftershock <command> --help` and bad-usage errors never
 * need (issue 12, bench/cli-start.ts). The type import is erased at compile time, so it loads nothing.
 */
import type { openRuntime } from '../runtime/open-runtime.ts';

export async function openRuntimeLazily(...args: Parameters<typeof openRuntime>): ReturnType<typeof openRuntime> {
  const { openRuntime: open } = await import('../runtime/open-runtime.ts');
  return open(...args);
}
