/**
 * Readable one-line logs for a person at a terminal (`npm start`): pino's JSON lines become
 * `14:32:05 INFO  GET /v1/verdict?service=shop 200 3 ms`, and a request that failed gives one line with its
 * error instead of two. Anything else (a pipe, a file, a log shipper) keeps getting JSON: `LOG_FORMAT=json`
 * or `pretty` overrides the choice.
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const COLOURS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
/** Fields every line has, or that the line already says in words. */
const SKIP = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err']);
/** What a request line says in words: `GET /path 200 3 ms`. */
const REQUEST_FIELDS = new Set(['method', 'url', 'statusCode', 'ms', 'remoteAddress']);
/** An error line waits this long for its "request completed" line before it is printed alone. */
const PAIR_WAIT_MS = 2000;

type Record_ = Record<string, unknown> & { level?: number; time?: number; msg?: string; reqId?: string; err?: { message?: string; code?: string } };

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v);
}

/** One line for a person; `colour` adds ANSI colours for the level. */
export function formatLogLine(r: Record_, options: { colour?: boolean; error?: Record_ } = {}): string {
  const t = new Date(typeof r.time === 'number' ? r.time : 0).toISOString().slice(11, 19);
  const level = (LEVELS[r.level ?? 30] ?? String(r.level)).padEnd(5);
  const c = options.colour && COLOURS[r.level ?? 30] ? COLOURS[r.level ?? 30] : '';
  const lead = options.colour ? `${DIM}${t}${RESET} ${c}${level}${c ? RESET : ''}` : `${t} ${level}`;
  let text: string;
  const isRequest = r.msg === 'request completed' && typeof r.method === 'string';
  if (isRequest) {
    const ms = typeof r.ms === 'number' ? `${r.ms < 10 ? r.ms.toFixed(1) : Math.round(r.ms)} ms` : '';
    const err = options.error?.err;
    text = `${r.method} ${String(r.url)} ${String(r.statusCode)} ${ms}${err ? ` — ${err.code ? `${err.code}: ` : ''}${err.message ?? ''}` : ''}`;
  } else {
    text = String(r.msg ?? '');
    if (r.err?.message && !text.includes(r.err.message)) text += ` — ${r.err.code ? `${r.err.code}: ` : ''}${r.err.message}`;
  }
  const extra = Object.entries(r)
    .filter(([k, v]) => !SKIP.has(k) && !(isRequest && REQUEST_FIELDS.has(k)) && v !== undefined)
    .map(([k, v]) => `${k}=${value(v)}`)
    .join(' ');
  return `${lead} ${text}${extra ? `${options.colour ? DIM : ''} ${extra}${options.colour ? RESET : ''}` : ''}`;
}

/**
 * A pino destination writing formatted lines to `out`. A request's error line (it has a reqId and an err) is
 * held until that request's "request completed" line and printed with it as one line.
 */
export function prettyLogStream(out: { write(s: string): unknown; isTTY?: boolean }, options: { colour?: boolean } = {}): DestinationStream {
  const colour = options.colour ?? Boolean(out.isTTY);
  const held = new Map<string, { record: Record_; timer: NodeJS.Timeout }>();
  const print = (r: Record_, error?: Record_) => out.write(formatLogLine(r, { colour, error }) + '\n');
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        let r: Record_;
        try {
          r = JSON.parse(line) as Record_;
        } catch {
          out.write(line + '\n');
          continue;
        }
        // Fastify's own start-up line repeats ours ("listening", with the store).
        if (typeof r.msg === 'string' && r.msg.startsWith('Server listening at')) continue;
        const id = typeof r.reqId === 'string' ? r.reqId : null;
        if (id && r.err && r.msg !== 'request completed') {
          const timer = setTimeout(() => {
            held.delete(id);
            print(r);
          }, PAIR_WAIT_MS);
          timer.unref();
          held.set(id, { record: r, timer });
          continue;
        }
        const pending = id ? held.get(id) : undefined;
        if (pending && id) {
          clearTimeout(pending.timer);
          held.delete(id);
        }
        print(r, pending?.record);
      }
    },
  };
}

/** Pretty when asked (`LOG_FORMAT=pretty`) or when stdout is a terminal and nothing else was asked. */
export function wantsPrettyLogs(env: NodeJS.ProcessEnv, stdout: { isTTY?: boolean }): boolean {
  const f = env.LOG_FORMAT?.toLowerCase();
  if (f === 'json') return false;
  if (f === 'pretty') return true;
  return Boolean(stdout.isTTY);
}
