/**
 * Test support: an HTTP proxy on 127.0.0.1 in front of the real InfluxDB 1.x that damages chosen `/query`
 * answers at the document level (the line-level sibling of test/actions/support/cuttable-proxy.ts). The real
 * server's answer is read whole, split into its documents (one per chunk with `chunked=true`: JSON lines, or
 * MessagePack maps back to back), handed to the fault as JSON lines, re-encoded in the answer's format and sent
 * on so that nothing at the HTTP level looks wrong: either as a cleanly ended chunked body, or as a
 * close-delimited body (`connection: close`, no length) that ends right after a full document.
 * `jsonOnly` makes it a proxy that does not pass MessagePack on: it asks the server for JSON whatever the client asked.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeMulti, encode } from '@msgpack/msgpack';

const MSGPACK = 'application/x-msgpack';
/** Marks a line of which only the first half (of its characters, or of its MessagePack bytes) is sent. */
const HALF = '\u0000half:';

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

/** Keeps the first `n` lines and half of line `n`: a body cut inside a document. */
export const cutInsideLine = (n: number): LineFault => (lines) => [...lines.slice(0, n), `${HALF}${lines[n]}`];

/** The answer's documents as JSON lines, whatever its format. */
function toLines(body: Buffer, msgpack: boolean): string[] {
  if (msgpack) return [...decodeMulti(body)].map((d) => JSON.stringify(d));
  return body.toString('utf8').split('\n').filter((l) => l.trim() !== '');
}

/** JSON lines back into a body of the answer's format (a HALF line contributes half of its encoding). */
function fromLines(lines: string[], msgpack: boolean): Buffer {
  const parts = lines.map((line) => {
    const half = line.startsWith(HALF);
    const text = half ? line.slice(HALF.length) : line;
    const bytes = msgpack ? Buffer.from(encode(JSON.parse(text))) : Buffer.from(`${text}\n`);
    return half ? bytes.subarray(0, Math.floor(bytes.length / 2)) : bytes;
  });
  return Buffer.concat(parts);
}

export class InfluxFaultProxy {
  /** Ask the server for JSON on every request (a proxy or server that does not do MessagePack). */
  jsonOnly = false;
  /** The Content-Type of every answer passed on, for tests to check which format travelled. */
  readonly answerTypes: string[] = [];
  /** InfluxQL text of every `/query` request seen, and whether it was damaged. */
  readonly seen: Array<{ q: string; damaged: boolean }> = [];
  rules: FaultRule[] = [];
  private server: http.Server | null = null;
  private readonly uses = new Map<FaultRule, number>();
  /** Requests received and not yet answered or closed (see settle). */
  private active = 0;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      this.active++;
      res.on('close', () => this.active--);
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
        if (this.jsonOnly) headers.accept = 'application/json';
        const up = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers },
          (answer) => {
            const type = answer.headers['content-type'] ?? '';
            if (q) this.answerTypes.push(type);
            const msgpack = type.startsWith(MSGPACK);
            if (!rule || answer.statusCode !== 200) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              answer.pipe(res);
              return;
            }
            const chunks: Buffer[] = [];
            answer.on('data', (b: Buffer) => chunks.push(b));
            answer.on('end', () => {
              const damaged = fromLines(rule.fault(toLines(Buffer.concat(chunks), msgpack)), msgpack);
              const contentType = msgpack ? MSGPACK : 'application/json';
              if (rule.end === 'close') {
                // Close-delimited body: the only end marker is the close itself, right after a full document.
                req.socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\nconnection: close\r\n\r\n`), damaged]));
                return;
              }
              res.writeHead(200, { 'content-type': contentType });
              res.end(damaged);
            });
          },
        );
        up.on('error', () => req.socket.destroy());
        up.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  /**
   * Waits until every request already sent to the proxy has arrived and ended. A fetch that fails may leave a
   * sibling slice's request on its way (it was sent before the failure aborted the rest): arriving after the next
   * test set its rules, it would use up that test's `times: 1` fault, so tests settle the proxy before setting rules.
   */
  async settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 100));
    // Bounded: a request the proxy never finishes must not hang the suite (the test then runs as before).
    const until = Date.now() + 5_000;
    while (this.active > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}
