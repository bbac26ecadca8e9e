/**
 * A real HTTP server on 127.0.0.1 that answers every request with 200 and then sends one byte every `everyMs`,
 * forever: it never trips an idle timeout and never finishes, the fault a total deadline exists for (issue 14).
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SlowDripServer {
  url: string;
  /** Requests received so far (path and query). */
  requests: string[];
  close(): Promise<void>;
}

export async function startSlowDripServer(everyMs = 500): Promise<SlowDripServer> {
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(' ');
    const timer = setInterval(() => res.write(' '), everyMs);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
