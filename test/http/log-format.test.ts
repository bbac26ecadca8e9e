/**
 * Readable one-line logs on a terminal: a request is one line (its error folded in), other lines keep their
 * fields as key=value; JSON stays JSON unless a terminal or LOG_FORMAT=pretty asks otherwise.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { formatLogLine, prettyLogStream, wantsPrettyLogs } from '../../src/http/log-format.ts';

const T = Date.parse('2026-11-20T14:32:05.123Z');

describe('log format', () => {
  it('writes a request as one line, with the error of a failed one folded in', () => {
    const lines: string[] = [];
    const stream = prettyLogStream({ write: (s: string) => lines.push(s) }, { colour: false });
    stream.write(JSON.stringify({ level: 30, time: T, pid: 1, hostname: 'h', reqId: 'r1', method: 'GET', url: '/healthz', remoteAddress: '127.0.0.1', statusCode: 200, ms: 3.21, msg: 'request completed' }) + '\n');
    stream.write(JSON.stringify({ level: 30, time: T, reqId: 'r2', err: { message: 'no finished analysis covers service "shop"', code: 'NOT_FOUND' }, msg: 'request errored' }) + '\n');
    expect(lines).toEqual(['14:32:05 INFO  GET /healthz 200 3.2 ms\n']);
    stream.write(JSON.stringify({ level: 30, time: T, reqId: 'r2', method: 'GET', url: '/v1/verdict?service=shop', statusCode: 404, ms: 18.6, msg: 'request completed' }) + '\n');
    expect(lines[1]).toBe('14:32:05 INFO  GET /v1/verdict?service=shop 404 19 ms — NOT_FOUND: no finished analysis covers service "shop"\n');
    expect(lines).toHaveLength(2);
  });

  it('keeps the fields of other lines, drops Fastify\'s duplicate start-up line, passes non-JSON through', () => {
    const lines: string[] = [];
    const stream = prettyLogStream({ write: (s: string) => lines.push(s) }, { colour: false });
    stream.write(`${JSON.stringify({ level: 30, time: T, msg: 'Server listening at http://127.0.0.1:3000' })}\n${JSON.stringify({ level: 30, time: T, url: 'http://127.0.0.1:3000', store: 'PGlite .data/pglite', msg: 'listening' })}\nplain text\n`);
    expect(lines).toEqual(['14:32:05 INFO  listening url=http://127.0.0.1:3000 store="PGlite .data/pglite"\n', 'plain text\n']);
    expect(formatLogLine({ level: 40, time: T, msg: 'analysis failed', analysisId: 'a1' }, { colour: true })).toBe('\x1b[2m14:32:05\x1b[0m \x1b[33mWARN \x1b[0m analysis failed\x1b[2m analysisId=a1\x1b[0m');
  });

  it('works as a pino destination, one line per record', () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, prettyLogStream({ write: (s: string) => lines.push(s) }, { colour: false }));
    log.info({ analysisId: 'a1' }, 'analysis done');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d INFO {2}analysis done analysisId=a1\n$/);
  });

  it('is pretty on a terminal or when asked, JSON otherwise', () => {
    expect(wantsPrettyLogs({}, { isTTY: true })).toBe(true);
    expect(wantsPrettyLogs({}, { isTTY: false })).toBe(false);
    expect(wantsPrettyLogs({ LOG_FORMAT: 'json' }, { isTTY: true })).toBe(false);
    expect(wantsPrettyLogs({ LOG_FORMAT: 'pretty' }, {})).toBe(true);
  });
});
