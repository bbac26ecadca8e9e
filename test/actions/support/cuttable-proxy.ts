/**
 * Test support: an HTTP proxy on 127.0.0.1 in front of the real Unleash server that records every request
 * and can fail chosen requests (connection reset before forwarding, or after the real server has answered —
 * the write landed but its answer is lost) or go down entirely (listener closed → ECONNREFUSED), to show what
 * an action does when Unleash disappears halfway through.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  /** false when the proxy dropped it. */
  forwarded: boolean;
  /** The real server's status when it was forwarded but its answer was dropped. */
  answerDropped?: number;
}

export class CuttableProxy {
  readonly seen: SeenRequest[] = [];
  /** Requests matching this are dropped (socket destroyed, no answer). */
  dropWhen: ((method: string, path: string) => boolean) | null = null;
  /** Requests matching this reach the real server, which handles them; its answer is dropped (socket destroyed). */
  dropAnswerWhen: ((method: string, path: string) => boolean) | null = null;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      if (this.dropWhen?.(method, path)) {
        this.seen.push({ method, path, forwarded: false });
        req.socket.destroy();
        return;
      }
      const seen: SeenRequest = { method, path, forwarded: true };
      this.seen.push(seen);
      const dropAnswer = this.dropAnswerWhen?.(method, path) ?? false;
      const upstream = http.request(
        { host: target.hostname, port: target.port, method, path, headers: { ...req.headers, host: target.host } },
        (up) => {
          if (dropAnswer) {
            // Read the whole answer first: by then the server has applied the request.
            up.resume();
            up.on('end', () => {
              seen.answerDropped = up.statusCode ?? 0;
              req.socket.destroy();
            });
            return;
          }
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Unleash "goes down": open connections are reset and new ones refused until `start()` again. */
  async cut(): Promise<void> {
    if (!this.server) return;
    const s = this.server;
    this.server = null;
    const closed = new Promise<void>((r) => s.close(() => r()));
    for (const sock of this.sockets) sock.destroy();
    await closed;
  }

  writes(): SeenRequest[] {
    return this.seen.filter((r) => r.method !== 'GET');
  }
}
