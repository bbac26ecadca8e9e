/**
 * Executes every notebook headless, as `npm test` must: Debian's `jupyter nbconvert --execute` with the Deno
 * kernel (test/setup/jupyter.global.ts). A cell that throws fails nbconvert, and so this test; the outputs are
 * then checked for what a reader should see (the verdict, tables, Vega-Lite charts with an SVG fallback).
 * The review notebook runs against the running server (demo analysis) and against a result file.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { runAnalysis } from '../../src/runtime/run-analysis.ts';
import { startServer, type RunningServer } from '../../src/http/server.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NOTEBOOKS = path.join(ROOT, 'notebooks');
const VEGA_LITE_MIME = 'application/vnd.vegalite.v5+json';

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
  ename?: string;
}
interface Notebook {
  metadata: { kernelspec: { name: string } };
  cells: Array<{ cell_type: string; execution_count?: number | null; outputs?: Output[]; source: string | string[] }>;
}

const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));

async function execute(notebook: string, outDir: string, env: Record<string, string>): Promise<Notebook> {
  const out = path.join(outDir, `${path.basename(notebook, '.ipynb')}-${Object.keys(env).join('-') || 'plain'}.ipynb`);
  try {
    await run('jupyter', ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.timeout=180', '--output', out, notebook], {
      cwd: NOTEBOOKS,
      env: { ...process.env, JUPYTER_PATH: inject('jupyterPath'), ...env },
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${path.basename(notebook)} failed:\n${(err.stderr ?? err.message).split('\n').filter((l) => !/unstable/.test(l)).slice(-40).join('\n')}`);
  }
  return JSON.parse(await readFile(out, 'utf8')) as Notebook;
}

/**
 * Every output, and a notebook's status lines (lib/show.ts `say`: a display holding only text/plain) as the stream
 * text console.log would have made, so `text` reads the same either way.
 */
function outputsOf(nb: Notebook): Output[] {
  return nb.cells.flatMap((c) => c.outputs ?? []).map((o) => {
    const keys = Object.keys(o.data ?? {});
    return o.output_type === 'display_data' && keys.length === 1 && keys[0] === 'text/plain' ? { ...o, text: o.data!['text/plain'] as string | string[] } : o;
  });
}

function expectCleanRun(nb: Notebook): void {
  expect(nb.metadata.kernelspec.name).toBe('deno');
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  expect(code.length).toBeGreaterThan(3);
  for (const c of code) expect(c.execution_count, joined(c.source).slice(0, 80)).toBeGreaterThan(0);
  expect(outputsOf(nb).filter((o) => o.output_type === 'error')).toEqual([]);
}

function charts(nb: Notebook): Array<{ spec: Record<string, unknown>; svg: string }> {
  return outputsOf(nb)
    .filter((o) => o.data?.[VEGA_LITE_MIME])
    .map((o) => ({ spec: o.data![VEGA_LITE_MIME] as Record<string, unknown>, svg: joined(o.data!['image/svg+xml'] as string | string[]) }));
}

function markdown(nb: Notebook): string {
  return outputsOf(nb).map((o) => joined(o.data?.['text/markdown'] as string | string[] | undefined)).join('\n');
}

describe('notebooks executed headless with the Deno kernel', () => {
  let dir: string;
  let server: RunningServer;
  let demoId: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aftershock-notebooks-'));
    server = await startServer({ config: loadConfig(), env: { PORT: '0', HOST: '127.0.0.1', AFTERSHOCK_DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn' } });
    demoId = server.service.demoAnalysisId!;
    const until = Date.now() + 90_000;
    for (;;) {
      const body = (await (await fetch(`${server.url}/v1/analyses/${demoId}`)).json()) as { status: string };
      if (body.status === 'done') break;
      if (body.status === 'failed' || Date.now() > until) throw new Error(`demo analysis ${body.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('"review a regression report" loads the newest analysis from the running service and shows its charts', async () => {
    const nb = await execute('review-regression-report.ipynb', dir, { AFTERSHOCK_URL: server.url });
    expectCleanRun(nb);
    const text = outputsOf(nb).map((o) => joined(o.text)).join('');
    expect(text).toContain(`analysis ${demoId} from ${server.url}`);
    expect(markdown(nb)).toMatch(/\*\*Fail: .+\.\*\*/);
    expect(markdown(nb)).toContain('| /checkout (shop) |');
    const shown = charts(nb);
    expect(shown.length).toBeGreaterThanOrEqual(5);
    for (const c of shown) {
      expect(c.spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v5.json');
      expect(c.svg).toMatch(/^<svg role="img"/);
      expect(c.svg).toMatch(/<text[^>]*>[^<]+<\/text>/);
    }
  });

  it('"review a regression report" also reads a result file', async () => {
    const result = await runAnalysis({ source: 'demo', upgradeAt: '2026-11-20T14:00:00Z' }, { config: loadConfig() });
    const file = path.join(dir, 'result.json');
    await writeFile(file, JSON.stringify(result));
    const nb = await execute('review-regression-report.ipynb', dir, { AFTERSHOCK_RESULT_FILE: file });
    expectCleanRun(nb);
    expect(outputsOf(nb).map((o) => joined(o.text)).join('')).toContain(`report from ${file}`);
    expect(charts(nb).length).toBeGreaterThanOrEqual(5);
  });

  it('"explore one metric" pulls /checkout from the demo source and re-runs the analysis with other tolerances', async () => {
    const nb = await execute('explore-one-metric.ipynb', dir, {});
    expectCleanRun(nb);
    const text = outputsOf(nb).map((o) => joined(o.text)).join('');
    expect(text).toMatch(/^demo telemetry \(seed 42\): \d+ requests before, \d+ after; 0 warnings/m);
    const md = markdown(nb);
    expect(md).toMatch(/\| p99 \| [\d,.]+ ms \| [\d,.]+ ms \| \+[\d,.]+ % \|/);
    expect(md).toContain('| Percentile | +5 % tolerance | +10 % tolerance | +25 % tolerance | +50 % tolerance |');
    expect(charts(nb).map((c) => (c.spec.title as { text: string }).text)).toEqual([
      '/checkout: request latency before and after the upgrade',
      '/checkout: latency at each percentile',
      '/checkout: latency over time',
    ]);
  });

  it('fails when a cell throws, so a broken notebook breaks the build', async () => {
    const broken = path.join(dir, 'broken.ipynb');
    const nb = JSON.parse(await readFile(path.join(NOTEBOOKS, 'explore-one-metric.ipynb'), 'utf8')) as Notebook;
    nb.cells.splice(2, 0, { cell_type: 'code', execution_count: null, outputs: [], source: "throw new Error('cell exploded on purpose');" });
    (nb.cells[2] as Record<string, unknown>).metadata = {};
    (nb.cells[2] as Record<string, unknown>).id = 'broken';
    await writeFile(broken, JSON.stringify(nb));
    await expect(execute(broken, dir, {})).rejects.toThrow(/cell exploded on purpose/);
  });
});
