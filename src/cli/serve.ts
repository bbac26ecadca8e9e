/**
 * `aftershock serve [--config FILE] [--host HOST] [--port PORT]`: starts the HTTP service and runs until
 * SIGINT/SIGTERM. Exit codes: 0 after a clean shutdown, 2 for bad arguments or config, 1 when the service
 * cannot start (port taken, store unreachable).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { isAppError } from '../errors.ts';

const USAGE = `usage: aftershock serve [--config FILE] [--host HOST] [--port PORT]
  Starts the HTTP API and web pages (default http://127.0.0.1:3000, embedded store under .data/).
  Environment: HOST, PORT, LOG_LEVEL, LOG_FORMAT (json, or pretty: the default on a terminal),
  DATABASE_URL (use PostgreSQL), AFTERSHOCK_DATA_DIR,
  AFTERSHOCK_READ_TOKENS, AFTERSHOCK_WRITE_TOKENS (comma-separated bearer tokens).`;

export async function serveCommand(argv: string[]): Promise<number> {
  let values: { config?: string; host?: string; port?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    process.stderr.write(`aftershock serve: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // Flags win over the environment, which wins over the config file.
  const env = { ...process.env, ...(values.host ? { HOST: values.host } : {}), ...(values.port ? { PORT: values.port } : {}) };
  try {
    const config = loadConfig({ file: values.config });
    // Fastify, the store and the pool load only when the service starts: `serve --help` stays cheap.
    const { startServer } = await import('../http/server.ts');
    const running = await startServer({ config, env, handleSignals: true, startGuard: true });
    const demo = running.service.demoAnalysisId ? `first start: running a demo analysis; open ${running.url}/ to see its report\n` : '';
    process.stdout.write(`aftershock is listening on ${running.url}/  (API docs: ${running.url}/docs)\n${demo}`);
    await running.stopped;
    return 0;
  } catch (e) {
    if (isAppError(e)) {
      process.stderr.write(`aftershock serve: ${e.message}\n`);
      return e.code === 'BAD_INPUT' ? 2 : 1;
    }
    const err = e as NodeJS.ErrnoException;
    process.stderr.write(`aftershock serve: cannot start: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    return 1;
  }
}
