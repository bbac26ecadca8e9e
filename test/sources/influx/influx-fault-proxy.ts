/**
 * Test support: an HTTP proxy on 127.0.0.1 in front of the real InfluxDB 1.x that damages chosen `/query`
 * answers at the JSON-line level (the line-level sibling of test/actions/support/cuttable-proxy.ts). The real
 * server's answer is read whole, split into its JSON lines (one chunk each with `chunked=true`), changed by the
 * fault, and sent on so that nothing at the HTTP level looks wrong: either as a cleanly ended chunked body, or
 * as a close-delimited body (`connection: close`, no length) that ends right after a full line.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Takes the answer's JSON lines, returns the lines to send. */
export type LineFault = (lines: string[]) => string[];

export interface FaultRule {
  /** Which requests to damage: gets the InfluxQL text (`q`) of a `/query` request. */
  matches: (q: string) => boolean;
  fault: LineFault;
  /** How the damaged body ends: a clean chunked end (default) or a close right after the last line. */
  end?: 'chunked' | 'close';
  /** Damage only the first `times` matching requests (default: all). */
  times?: number;
}

/** Keeps the first `n` lines. */
export const keepFirstLines = (n: number): LineFault => (lines) => lines.slice(0, n);
/** Drops line `i` (0-based), keeping the ones after it. */
export const dropLine = (i: number): LineFault => (lines) => lines.filter((_l, k) => k !== i);
/** Sets `"partial": true` on the last result of the last line, as a server that truncated its answer does. */
export const partialOnLastLine: LineFault = (lines) => {
  const out = [...lines];
  const doc = JSON.parse(out[out.length - 1]) as { results: Array<Record<string, unknown>> };
  doc.results[doc.results.length - 1].partial = true;
  out[out.length - 1] = JSON.stringify(doc);
  return out;
};

export class InfluxFaultProxy {
  /** InfluxQL text of every `/query` request seen, and whether it was damaged. */
  readonly seen: Array<{ q: string; damaged: boolean }> = [];
  rules: FaultRule[] = [];
  private server: http.Server | null = null;
  private readonly uses = new Map<FaultRule, number>();

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (b: Buffer) => parts.push(b));
      req.on('end', () => {
        const body = Buffer.concat(parts);
        const reqUrl = new URL(req.url ?? '/', 'http://x');
        const q = reqUrl.pathname === '/query' ? (new URLSearchParams(body.toString()).get('q') ?? reqUrl.searchParams.get('q') ?? '') : '';
        const rule = q ? this.rules.find((r) => r.matches(q) && (this.uses.get(r) ?? 0) < (r.times ?? Infinity)) : undefined;
        if (rule) this.uses.set(rule, (this.uses.get(rule) ?? 0) + 1);
        if (q) this.seen.push({ q, damaged: rule !== undefined });
        // Identity encoding, so the proxy sees (and damages) the JSON lines themselves rather than gzip bytes.
        const headers = { ...req.headers, host: target.host };
        if (rule) delete headers['accept-encoding'];
        const up = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (answer) => {
            if (!rule || answer.statusCode !== 200) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
              return;
            }
            const chunks: Buffer[] = [];
            answer.on('data', (b: Buffer) => chunks.push(b));
            answer.on('end', () => {
              const lines = Buffer.concat(chunks).toString('utf8').split('\n').filter((l) => l.trim() !== '');
              const text = rule.fault(lines).map((l) => `${l}\n`).join('');
              if (rule.end === 'close') {
                // Close-delimited body: the only end marker is the close itself, right after a full line.
                req.socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n${text}`);
                return;
              }
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(text);
            });
          },
        );
        up.on('error', () => req.socket.destroy());
        up.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}
