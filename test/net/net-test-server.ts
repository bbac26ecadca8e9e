/** A real node:http server on 127.0.0.1 (port 0) for the net tests: counts hits, records when they came. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export interface TestServer {
  url: string;
  port: number;
  /** Epoch ms of each request's arrival. */
  hits: number[];
  /** Requests whose connection closed before the response finished (the client gave up). */
  abandoned: () => number;
  close(): Promise<void>;
}

export async function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void): Promise<TestServer> {
  const hits: number[] = [];
  let abandoned = 0;
  const server = http.createServer((req, res) => {
    hits.push(Date.now());
    res.on('close', () => {
      if (!res.writableFinished) abandoned++;
    });
    handler(req, res, hits.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    hits,
    abandoned: () => abandoned,
    // Idempotent: a test may close its server early (to refuse connections) before the cleanup closes it again.
    close: async () => {
      if (!server.listening) return;
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Sends headers, then one byte every `everyMs` until the client goes away. */
export function trickle(res: http.ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.flushHeaders();
  const t = setInterval(() => res.write('.'), everyMs);
  res.on('close', () => clearInterval(t));
}

/** `server(handler)` for a test file: starts a server like `serve`, closed after each test. */
export function serversClosedAfterEach(): (handler: Parameters<typeof serve>[0]) => Promise<TestServer> {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });
  return async (handler) => {
    const s = await serve(handler);
    servers.push(s);
    return s;
  };
}
