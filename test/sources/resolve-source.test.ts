import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { AppError } from '../../src/errors.ts';
import { DemoSource } from '../../src/sources/demo/demo-source.ts';
import { LineProtocolFileSource } from '../../src/sources/line-protocol/file-source.ts';
import { createSource } from '../../src/sources/resolve-source.ts';

const UPGRADE = Date.parse('2026-11-20T14:00:00Z');
const H = 3_600_000;
const QUERY = { upgradeAt: UPGRADE, before: { start: UPGRADE - H, stop: UPGRADE }, after: { start: UPGRADE, stop: UPGRADE + H } };
const tmp = mkdtempSync(path.join(tmpdir(), 'aftershock-resolve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function withSources(sources: Record<string, unknown>): Config {
  const config = loadConfig();
  return { ...config, sources: { ...config.sources, ...sources } as Config['sources'] };
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error('expected an AppError');
}

describe('createSource: demo and files', () => {
  it('resolves "demo" through config.sources.demo and its seed', async () => {
    const a = createSource('demo', loadConfig());
    expect(a).toBeInstanceOf(DemoSource);
    expect(a.description).toBe('demo telemetry (seed 42)');
    const b = createSource('demo', withSources({ demo: { kind: 'demo', seed: 7 } }));
    expect(b.description).toBe('demo telemetry (seed 7)');
    const wa = await a.fetch(QUERY);
    const wb = await b.fetch(QUERY);
    expect(wa.latency[0].before).not.toEqual(wb.latency[0].before);
  });

  it('resolves "demo" even when the config has no demo entry', () => {
    const config = loadConfig();
    const none = { ...config, sources: {} };
    expect(createSource('demo', none)).toBeInstanceOf(DemoSource);
  });

  it('resolves .lp/.txt/.lp.gz paths (relative to the working directory) to a file source', async () => {
    const file = path.join(tmp, 'a.lp');
    writeFileSync(file, `http_request,service=s,endpoint=/e duration_ms=5 ${UPGRADE * 1e6}\n`);
    const src = createSource(file, loadConfig());
    expect(src).toBeInstanceOf(LineProtocolFileSource);
    expect((await src.fetch(QUERY)).latency[0].after).toEqual({ kind: 'raw', values: Float64Array.from([5]), blocks: Uint32Array.from([0]) });
    for (const name of ['b.txt', 'c.lp.gz', 'D.LP', 'relative/e.txt.gz']) expect(createSource(name, loadConfig())).toBeInstanceOf(LineProtocolFileSource);
    expect(createSource('relative/e.lp', loadConfig()).description).toBe(`line-protocol file ${path.resolve('relative/e.lp')}`);
  });

  it('resolves a configured file source with its precision', async () => {
    const file = path.join(tmp, 'ms.lp');
    writeFileSync(file, `http_request,service=s,endpoint=/e duration_ms=5 ${UPGRADE - 1}\n`);
    const src = createSource('recorded', withSources({ recorded: { kind: 'file', path: file, precision: 'ms' } }));
    expect((await src.fetch(QUERY)).latency[0].before).toEqual({ kind: 'raw', values: Float64Array.from([5]), blocks: Uint32Array.from([59]) });
  });

  it('rejects bad configured entries naming the field', () => {
    expect(errorOf(() => createSource('x', withSources({ x: { kind: 'file' } }))).message).toBe('config sources.x.path: expected the path of a line-protocol file');
    expect(errorOf(() => createSource('x', withSources({ x: { kind: 'file', path: 'a.lp', precision: 'm' } }))).message).toBe(
      'config sources.x.precision: expected one of ns, us, ms, s, got "m"',
    );
    expect(errorOf(() => createSource('x', withSources({ x: { kind: 'demo', seed: 'abc' } }))).message).toBe('config sources.x.seed: expected an integer, got "abc"');
  });

  it('explains what a source argument can be when it is none of them', () => {
    const e = errorOf(() => createSource('prod-metrics.csv', loadConfig()));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toBe(
      'source "prod-metrics.csv" is not a configured source name (demo), "demo", "demo-rollout", a line-protocol file (.lp, .txt, .lp.gz, .txt.gz) or an influx1+http:// / influx2+http(s):// / prom+http(s):// URL',
    );
    expect(errorOf(() => createSource('ftp://user:pw@host/x', loadConfig())).message).toBe(
      'source "ftp://***@host/x": unknown URL scheme; use influx1+http(s)://… or influx2+http(s)://… or prom+http(s)://host:port[/prefix]',
    );
  });
});

describe('createSource: files told by content, and --precision (issue 14, item 20)', () => {
  it('takes an existing file of any name whose content is line protocol (plain or gzip) as a file source', async () => {
    const { gzipSync } = await import('node:zlib');
    const line = `http_request,service=s,endpoint=/e duration_ms=5 ${UPGRADE * 1e6}\n`;
    const influx = path.join(tmp, 'export.influx');
    writeFileSync(influx, `# exported\n\n${line}`);
    const bare = path.join(tmp, 'export');
    writeFileSync(bare, gzipSync(line));
    for (const file of [influx, bare]) {
      const src = createSource(file, loadConfig());
      expect(src).toBeInstanceOf(LineProtocolFileSource);
      expect((await src.fetch(QUERY)).latency[0].after).toEqual({ kind: 'raw', values: Float64Array.from([5]), blocks: Uint32Array.from([0]) });
    }
    // A first line that is not line protocol does not decide alone; a timestamp in another precision is still line protocol.
    const mixed = path.join(tmp, 'mixed.data');
    writeFileSync(mixed, `garbage\nhttp_request,service=s,endpoint=/e duration_ms=5 ${UPGRADE / 1000}\n`);
    expect(createSource(mixed, loadConfig())).toBeInstanceOf(LineProtocolFileSource);
  });

  it('refuses an existing file that is not line protocol, quoting its first line', () => {
    const csv = path.join(tmp, 'metrics.csv');
    writeFileSync(csv, 'time,service,duration\n2026-11-20T13:00:00Z,shop,12\n');
    expect(errorOf(() => createSource(csv, loadConfig())).message).toMatch(
      new RegExp(`^source "${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}": the file is not line protocol \\(first line 1: "time,service,duration"\\)`),
    );
  });

  it('applies --precision to file paths and kind: file sources, and refuses it for the others', async () => {
    const file = path.join(tmp, 'seconds.lp');
    writeFileSync(file, `http_request,service=s,endpoint=/e duration_ms=5 ${UPGRADE / 1000 - 1}\n`);
    expect((await createSource(file, loadConfig(), { precision: 's' }).fetch(QUERY)).latency[0].before).toEqual({ kind: 'raw', values: Float64Array.from([5]), blocks: Uint32Array.from([59]) });
    const named = withSources({ recorded: { kind: 'file', path: file, precision: 'ms' } });
    expect((await createSource('recorded', named, { precision: 's' }).fetch(QUERY)).latency[0].before).toEqual({ kind: 'raw', values: Float64Array.from([5]), blocks: Uint32Array.from([59]) });
    expect(errorOf(() => createSource('demo', loadConfig(), { precision: 's' })).message).toBe(
      '--precision applies to line-protocol input only (a file, "-" for stdin, or a source of kind file), not to source "demo" (kind demo)',
    );
    expect(errorOf(() => createSource('influx1+http://127.0.0.1:1/db', loadConfig(), { precision: 'ms' })).message).toContain('not to an InfluxDB source');
  });
});
