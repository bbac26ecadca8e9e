/**
 * The official Flux parser (Rust, compiled to WebAssembly) from @influxdata/flux-lsp-browser, loaded in
 * Node. The package targets bundlers (`import * as wasm from './…_bg.wasm'`), which Node cannot import
 * without an experimental flag, so its JS glue is copied to a temp module with the wasm import replaced
 * by an explicit instantiation.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export interface FluxParser {
  /** The AST as the parser returns it (every node may carry an `errors` array). */
  parse(script: string): FluxNode;
}

export interface FluxNode {
  type?: string;
  errors?: Array<{ msg?: string } | string>;
  [key: string]: unknown;
}

export async function loadFluxParser(): Promise<FluxParser> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@influxdata/flux-lsp-browser/package.json'));
  let glue = readFileSync(path.join(dir, 'flux-lsp-browser_bg.js'), 'utf8');
  const wasmImport = "import * as wasm from './flux-lsp-browser_bg.wasm';";
  const memoryInit = /\ncachedInt32Memory0 = new Int32Array\(wasm\.memory\.buffer\);\ncachedUint8Memory0 = new Uint8Array\(wasm\.memory\.buffer\);\s*$/;
  if (!glue.includes(wasmImport) || !memoryInit.test(glue)) throw new Error('flux-lsp-browser glue changed: update test/sources/flux-parser.ts');
  glue = glue.replace(wasmImport, 'let wasm;').replace(memoryInit, '\nexport function __init(w) { wasm = w; cachedInt32Memory0 = new Int32Array(wasm.memory.buffer); cachedUint8Memory0 = new Uint8Array(wasm.memory.buffer); }\n');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'aftershock-flux-parser-'));
  try {
    writeFileSync(path.join(tmp, 'glue.mjs'), glue);
    const bg = (await import(pathToFileURL(path.join(tmp, 'glue.mjs')).href)) as { __init(e: WebAssembly.Exports): void; parse(s: string): FluxNode };
    const { instance } = await WebAssembly.instantiate(readFileSync(path.join(dir, 'flux-lsp-browser_bg.wasm')), { './flux-lsp-browser_bg.js': bg as unknown as WebAssembly.ModuleImports });
    bg.__init(instance.exports);
    return { parse: (s) => bg.parse(s) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Every parse error anywhere in the AST, as "line:column message". */
export function fluxErrors(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const n of node) fluxErrors(n, out);
  } else if (node && typeof node === 'object') {
    const n = node as FluxNode & { location?: { start?: { line: number; column: number } } };
    for (const e of n.errors ?? []) out.push(`${n.location?.start?.line}:${n.location?.start?.column} ${typeof e === 'string' ? e : (e.msg ?? JSON.stringify(e))}`);
    for (const [k, v] of Object.entries(n)) if (k !== 'errors' && k !== 'location') fluxErrors(v, out);
  }
  return out;
}

/** All nodes of a type, depth first. */
export function fluxNodes(node: unknown, type: string, out: FluxNode[] = []): FluxNode[] {
  if (Array.isArray(node)) for (const n of node) fluxNodes(n, type, out);
  else if (node && typeof node === 'object') {
    const n = node as FluxNode;
    if (n.type === type) out.push(n);
    for (const [k, v] of Object.entries(n)) if (k !== 'location') fluxNodes(v, type, out);
  }
  return out;
}
