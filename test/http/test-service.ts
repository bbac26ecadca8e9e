/**
 * Builds the real service (createService: store, worker pool, auth, app) for inject() tests, on an in-memory
 * PGlite, with log lines captured so tests can check what reaches the log. Analyses run in real worker
 * threads with the scripted runner (test/worker/fixtures) unless `realAnalysis` is set.
 */
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.ts';
import { createService, type Service } from '../../src/http/service.ts';
import type { ServiceSettings } from '../../src/runtime/service-settings.ts';

export const READ_TOKEN = 'read-token-0123456789';
export const WRITE_TOKEN = 'write-token-abcdefghij';
export const SCRIPTED_RUNNER = new URL('../worker/fixtures/scripted-runner.ts', import.meta.url).href;
/** Source names the scripted runner understands, configured so the service accepts them. */
export const SCRIPTED_SOURCES = ['ok:pass', 'ok:warn', 'ok:fail', 'fail', 'sleep:1500', 'sleep:30000', 'progress'];

export interface TestService extends Service {
  logs: string[];
  close(): Promise<void>;
}

export interface TestServiceOptions {
  env?: NodeJS.ProcessEnv;
  adjust?: (s: ServiceSettings) => void;
  realAnalysis?: boolean;
  config?: Config;
}

export function scriptedConfig(): Config {
  const config = loadConfig();
  for (const name of SCRIPTED_SOURCES) config.sources[name] = { kind: 'demo' };
  return config;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const service = await createService({
    config: options.config ?? (options.realAnalysis ? loadConfig() : scriptedConfig()),
    env: {
      AFTERSHOCK_DATA_DIR: 'memory://',
      AFTERSHOCK_READ_TOKENS: READ_TOKEN,
      AFTERSHOCK_WRITE_TOKENS: WRITE_TOKEN,
      ...options.env,
    },
    logDestination: sink,
    runnerModule: options.realAnalysis ? undefined : SCRIPTED_RUNNER,
    adjust: (s) => {
      s.server.demoOnFirstStart = false;
      s.server.logLevel = 'info';
      s.pool.progressIntervalMs = 0;
      options.adjust?.(s);
    },
  });
  return { ...service, logs, close: () => service.app.close() };
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** Polls GET /v1/analyses/:id until it is done or failed. */
export async function waitFinished(service: Service, id: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await service.app.inject({ url: `/v1/analyses/${id}`, headers: auth(READ_TOKEN) });
    const body = res.json();
    if (body.status === 'done' || body.status === 'failed') return body;
    if (Date.now() > until) throw new Error(`analysis ${id} still ${body.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
