/**
 * The network around the app: listen, set server timeouts, shut down gracefully on SIGINT/SIGTERM (stop
 * accepting, let in-flight requests finish within server.shutdownGraceMs, mark running analyses interrupted,
 * close the store). Everything else lives in http/service.ts and http/app.ts.
 */
import type { Config } from '../config.ts';
import { createService, type CreateServiceOptions, type Service } from './service.ts';

export interface RunningServer {
  service: Service;
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  /** Graceful stop; resolves when the store is closed. Safe to call twice. */
  stop(reason?: string): Promise<void>;
  /** Resolves after stop() finished (by a signal or a call). */
  stopped: Promise<void>;
}

export interface StartServerOptions extends CreateServiceOptions {
  config: Config;
  /** Install SIGINT/SIGTERM handlers (the CLI does; tests do not). */
  handleSignals?: boolean;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const service = await createService(options);
  const { app, settings, logger } = service;
  const { server } = settings;
  app.server.requestTimeout = server.requestTimeoutMs;
  app.server.headersTimeout = Math.min(server.requestTimeoutMs, 60_000);
  app.server.keepAliveTimeout = server.keepAliveTimeoutMs;
  try {
    await app.listen({ host: server.host, port: server.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : server.port;
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const url = `http://${host}:${port}`;

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals) => void stop(signal);

  function stop(reason = 'stop requested'): Promise<void> {
    if (stopping) return stopping;
    logger.info({ reason }, 'shutting down');
    stopping = (async () => {
      // Idle keep-alive connections would hold close() open until their timeout.
      const grace = setTimeout(() => {
        logger.warn({ graceMs: server.shutdownGraceMs }, 'grace period over: closing remaining connections');
        app.server.closeAllConnections();
      }, server.shutdownGraceMs);
      grace.unref();
      try {
        app.server.closeIdleConnections();
        await app.close();
      } finally {
        clearTimeout(grace);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        logger.info('stopped');
        resolveStopped();
      }
    })();
    return stopping;
  }

  if (options.handleSignals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  logger.info({ url, store: service.storeDescription }, 'listening');
  return { service, url, stop, stopped };
}
