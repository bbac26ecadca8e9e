/**
 * The InfluxDB sources on src/net: a server that trickles bytes just inside the idle timeout is stopped by the
 * total deadline (`deadlineMs` in the source config), with an error naming the server and the query.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { influx1Settings, influxSettingsFromUrl } from '../../../src/sources/influx/influx-config.ts';
import { DEFAULT_RETRY_OPTIONS } from '../../../src/sources/influx/influx-http.ts';
import { InfluxV1Source } from '../../../src/sources/influx/influx-v1-source.ts';
import { failure } from './influx-test-helpers.ts';

let server: Server;
let url: string;
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.flushHeaders();
    const t = setInterval(() => res.write(' '), 40);
    res.on('close', () => clearInterval(t));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const upgradeAt = Date.parse('2026-11-20T14:00:00Z');
const query = { upgradeAt, before: { start: upgradeAt - 3_600_000, stop: upgradeAt }, after: { start: upgradeAt, stop: upgradeAt + 3_600_000 } };

describe('InfluxDB sources: idle timeout vs total deadline', () => {
  it('a trickle under the idle timeout is stopped by deadlineMs with TIMEOUT naming the server', async () => {
    const s = influx1Settings({ kind: 'influx1', url, db: 'telemetry', timeoutMs: 1000, deadlineMs: 1500 }, loadConfig(), 'config sources.slow', {});
    expect(s.retry).toMatchObject({ idleTimeoutMs: 1000, deadlineMs: 1500 });
    const started = Date.now();
    const e = await failure(new InfluxV1Source(s).fetch(query));
    expect(e.code).toBe('TIMEOUT');
    expect(e.message).toMatch(/^InfluxDB 1\.x at 127\.0\.0\.1:\d+ db "telemetry": checking measurements: not done within the total deadline of 1500 ms \(attempt 1 was still running\)$/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1450);
    expect(hits).toBe(1);
  });

  it('the default deadline is ten minutes, and a tiny one is refused naming the field', () => {
    const s = influxSettingsFromUrl(`influx1+${url}/telemetry`, loadConfig(), {});
    expect(s.retry.deadlineMs).toBe(DEFAULT_RETRY_OPTIONS.deadlineMs);
    expect(DEFAULT_RETRY_OPTIONS.deadlineMs).toBe(600_000);
    expect(() => influx1Settings({ kind: 'influx1', url, db: 'telemetry', deadlineMs: 10 }, loadConfig(), 'config sources.slow', {})).toThrow(/sources\.slow.*deadlineMs/);
  });
});
