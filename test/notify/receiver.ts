/**
 * A real webhook receiver for the notification tests: a node:http server on 127.0.0.1 that keeps every request
 * (raw body bytes and headers) and answers as told per request: a status (with an optional body and headers), or
 * `stall` (read the request, never answer, keep the socket open: a receiver that hangs).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | 'stall';

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Decides the answer to the n-th request (0-based). */
  answer: (n: number, req: ReceivedRequest) => Answer;
  /** Resolves once at least `n` requests arrived (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(answer: Receiver['answer'] = () => ({ status: 200 })): Promise<Receiver> {
  const stalled: ServerResponse[] = [];
  const receiver: Receiver = {
    url: '',
    requests: [],
    answer,
    async waitFor(n, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (receiver.requests.length < n) {
        if (Date.now() > until) throw new Error(`receiver got ${receiver.requests.length} of ${n} requests within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return receiver.requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      const n = receiver.requests.push(got) - 1;
      const a = receiver.answer(n, got);
      if (a === 'stall') {
        stalled.push(res);
        return;
      }
      res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
