/**
 * The real server: src/server.ts listening on a free port with the real analysis (demo source) in real worker
 * threads, driven over HTTP with fetch; and `node bin/aftershock.js serve` as a child process for the printed
 * URL, graceful SIGTERM, and recovery after SIGKILL (an analysis killed mid-run is failed on the next start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WRITE = 'integration-write-token';
const READ = 'integration-read-token';
const json = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

async function pollDone(base: string, id: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const body = (await (await fetch(`${base}/v1/analyses/${id}`, { headers: json(READ) })).json()) as Record<string, unknown>;
    if (body.status === 'done' || body.status === 'failed') return body;
    if (Date.now() > until) throw new Error(`analysis ${id} still ${String(body.status)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('src/server.ts on a free port, full demo analysis over HTTP', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-server-'));
    server = await startServer({
      config: loadConfig(),
      env: { PORT: '0', AFTERSHOCK_DATA_DIR: dir, AFTERSHOCK_READ_TOKENS: READ, AFTERSHOCK_WRITE_TOKENS: WRITE, LOG_LEVEL: 'warn' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('queued a demo analysis on first start and finishes it with a report', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const demoId = server.service.demoAnalysisId!;
    expect(demoId).toBeTruthy();
    const done = await pollDone(server.url, demoId);
    expect(done.status).toBe('done');
    const report = done.report as { schemaVersion: number; verdict: string; findings: unknown[] };
    expect(report.schemaVersion).toBe(1);
    expect(['pass', 'warn', 'fail']).toContain(report.verdict);
    expect(report.findings.length).toBeGreaterThan(0);
    const landing = await fetch(`${server.url}/`, { headers: json(READ) });
    expect(await landing.text()).toContain(`/v1/analyses/${demoId}/report.html`);
  });

  it('also queued the demo rollout with a cohort baseline: flag-on vs flag-off, listed below the headline analysis', async () => {
    const id = server.service.demoRolloutAnalysisId!;
    expect(id).toBeTruthy();
    const done = await pollDone(server.url, id);
    expect(done.status).toBe('done');
    const report = done.report as { baseline: { kind: string; tag: string; control: string; treatments: string[]; controlPoints: number; treatmentPoints: number }; findings: Array<{ subject: string; statistic: string; status: string }> };
    expect(report.baseline).toMatchObject({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'] });
    expect(report.baseline.controlPoints).toBeGreaterThan(report.baseline.treatmentPoints);
    // The new backoff is the flag: its requests' /checkout tail is worse than the flag-off requests' of the same hours.
    expect(report.findings.some((f) => f.subject === '/checkout' && f.status === 'regression')).toBe(true);
    const md = await (await fetch(`${server.url}/v1/analyses/${id}/report.md`, { headers: json(READ) })).text();
    expect(md).toContain('Baseline: cohort: flag-on (variant = backoff-v2');
    const list = (await (await fetch(`${server.url}/v1/analyses`, { headers: json(READ) })).json()) as { items: Array<{ id: string }> };
    const order = list.items.map((a) => a.id);
    expect(order.indexOf(server.service.demoAnalysisId!)).toBeLessThan(order.indexOf(id));
  });

  it('creates an analysis over HTTP, serves its report as JSON and Markdown, and the service verdict', async () => {
    const upgradeAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
    const res = await fetch(`${server.url}/v1/analyses`, {
      method: 'POST',
      headers: json(WRITE),
      body: JSON.stringify({ source: 'demo', upgradeAt, before: '1h', after: '1h', services: ['shop'] }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const done = await pollDone(server.url, id);
    expect(done.status).toBe('done');
    const report = done.report as { verdict: string; findings: Array<{ service: string; status: string }> };
    expect(report.findings.every((f) => f.service === 'shop')).toBe(true);

    const md = await fetch(`${server.url}/v1/analyses/${id}/report.md`, { headers: json(READ) });
    expect(md.status).toBe(200);
    expect(await md.text()).toMatch(/^# aftershock/);

    const v = await fetch(`${server.url}/v1/verdict?service=shop`, { headers: json(READ) });
    expect(v.status).toBe(200);
    const verdict = (await v.json()) as { verdict: string; regressions: Array<{ service: string; status: string }>; analysisId: string };
    // The newest upgrade covering "shop" is the demo's (2 h ago), not this one (3 h ago).
    expect(verdict.analysisId).toBe(server.service.demoAnalysisId);
    // The demo telemetry has shop regressions (/checkout tail, payments-api backoff) in any 2 h window.
    expect(verdict.verdict).toBe('fail');
    expect(verdict.regressions.length).toBeGreaterThan(0);
    for (const f of verdict.regressions) expect(f).toMatchObject({ service: 'shop', status: 'regression' });

    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: json(READ) })).text();
    expect(metrics).toMatch(/aftershock_analyses_total\{outcome="(pass|warn|fail)"\} [1-9]/);
  });
});

interface Child {
  proc: ChildProcess;
  url: Promise<string>;
  output: () => string;
  exit: Promise<number | null>;
}

function serve(dir: string): Child {
  const proc = spawn(process.execPath, ['bin/aftershock.js', 'serve', '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, AFTERSHOCK_DATA_DIR: dir, AFTERSHOCK_WRITE_TOKENS: WRITE, AFTERSHOCK_READ_TOKENS: '', HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /listening on (http:\/\/\S+?)\/ /.exec(out);
      if (m) resolve(m[1]);
    });
    proc.stderr!.on('data', (d) => (out += String(d)));
    proc.on('exit', () => reject(new Error(`serve exited before listening:\n${out}`)));
  });
  const exit = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return { proc, url, output: () => out, exit };
}

describe('aftershock serve as a process', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-serve-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('prints its URL, serves the landing page with open reads, and fails analyses killed mid-run on the next start', async () => {
    const first = serve(dir);
    const base = await first.url;
    expect(first.output()).toContain('demo analysis');
    const res = await fetch(`${base}/v1/analyses`, {
      method: 'POST',
      headers: json(WRITE),
      body: JSON.stringify({ source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    // A worker needs well over this long to start and load the analysis, so the analysis is unfinished here.
    first.proc.kill('SIGKILL');
    await first.exit;

    const second = serve(dir);
    const base2 = await second.url;
    try {
      expect(second.output()).not.toContain('demo analysis'); // the store is not empty any more
      const landing = await fetch(`${base2}/`);
      expect(landing.status).toBe(200);
      const record = (await (await fetch(`${base2}/v1/analyses/${id}`)).json()) as { status: string; error: string };
      expect(record.status).toBe('failed');
      expect(record.error).toContain('interrupted');
      // A second process on the same embedded store is refused (it would corrupt it) with exit code 2.
      const third = serve(dir);
      third.url.catch(() => undefined);
      expect(await third.exit).toBe(2);
      expect(third.output()).toMatch(/in use by process \d+/);
    } finally {
      second.proc.kill('SIGTERM');
    }
    expect(await second.exit).toBe(0);
  });
});
