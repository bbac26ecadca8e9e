#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` and `npm start` run). Set
// AFTERSHOCK_FROM_SOURCE=1 to run the TypeScript sources through tsx instead (development only).
import { existsSync } from 'node:fs';

const fromSource = process.env.AFTERSHOCK_FROM_SOURCE === '1';
const compiled = new URL('../dist/cli/main.js', import.meta.url);
let main;
if (fromSource) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  process.stderr.write('aftershock: not built yet: run `npm run build` (or `npm install`, which builds)\n');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
