// ESLint flat config. The important rules are the layers of ../shared/DESIGN.md: which folder of src/ may
// import which (LAYERS below is that table), and that the pure core (stats/, analysis/, charts/ spec builders,
// report/) reaches no I/O, no clock and no Math.random. test/architecture.test.ts proves each rule still catches
// a deliberate violation.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:net', 'node:http', 'node:https',
  'node:child_process', 'child_process', 'node:worker_threads', 'pg', '@electric-sql/pglite', 'fastify',
  '@influxdata/influxdb-client', 'unleash-client', 'undici'];

/** Every folder of src/ and the shared top-level modules, as import patterns. */
const FOLDERS = ['stats', 'analysis', 'charts', 'report', 'sources', 'net', 'worker', 'store', 'actions', 'notify', 'runtime', 'http', 'cli'];
const SHARED = { config: 'config.ts', errors: 'errors.ts', duration: 'duration.ts', units: 'units.ts' };
const patternOf = (name) => (SHARED[name] ? [`**/${SHARED[name]}`] : [`**/${name}/**`, `../${name}/*`, `../../${name}/*`]);

/**
 * DESIGN.md's module table. `may`: folders (and shared modules) it may import; `types`: only `import type` from
 * these; `not`: finer exclusions inside an allowed folder (implementations behind an interface).
 */
const LAYERS = {
  stats: { may: [] },
  analysis: { may: ['stats'] },
  charts: { may: ['analysis', 'errors'] },
  report: { may: ['analysis', 'charts', 'errors'] },
  net: { may: ['errors'] },
  sources: { may: ['analysis', 'stats', 'net', 'worker', 'config', 'errors', 'duration', 'units'] },
  worker: { may: ['errors'], types: ['runtime', 'analysis', 'config'] },
  store: { may: ['errors', 'duration'], types: ['analysis', 'runtime', 'actions'] },
  actions: {
    may: ['analysis', 'stats', 'store', 'net', 'config', 'errors', 'duration'],
    types: ['runtime'],
    not: [{ group: ['**/store/pg/**', '**/store/open-store.ts'], message: 'actions/ uses the store interfaces, never an implementation (the runtime injects it)' }],
  },
  notify: {
    may: ['analysis', 'report', 'store', 'net', 'config', 'errors'],
    not: [{ group: ['**/store/pg/**', '**/store/open-store.ts'], message: 'notify/ uses the store interfaces, never an implementation (the runtime injects it)' }],
  },
  runtime: { may: ['stats', 'analysis', 'charts', 'report', 'sources', 'net', 'worker', 'store', 'actions', 'notify', 'config', 'errors', 'duration'] },
  http: {
    may: ['runtime', 'report', 'charts', 'analysis', 'actions', 'store', 'worker', 'config', 'errors', 'duration'],
    not: [{ group: ['**/store/pg/**', '**/store/open-store.ts'], message: 'http/ gets its services from the runtime (AppDeps), it never opens a store' }],
  },
  cli: {
    may: ['runtime', 'report', 'analysis', 'actions', 'store', 'http', 'config', 'errors', 'duration'],
    not: [{ group: ['**/store/pg/**', '**/store/open-store.ts'], message: 'cli/ opens what it needs through runtime/openRuntime' }],
  },
};

function layerRule(folder) {
  const { may = [], types = [], not = [] } = LAYERS[folder];
  const everything = [...FOLDERS, ...Object.keys(SHARED)].filter((n) => n !== folder);
  const forbidden = everything.filter((n) => !may.includes(n) && !types.includes(n));
  const patterns = [
    ...(forbidden.length ? [{ group: forbidden.flatMap(patternOf), message: `${folder}/ may import only ${[...may, ...types.map((t) => `${t} (types)`)].join(', ') || 'itself'} (DESIGN.md module table)` }] : []),
    ...(types.length ? [{ group: types.flatMap(patternOf), allowTypeImports: true, message: `${folder}/ may import only types from ${types.join(', ')}` }] : []),
    ...not,
  ];
  return { patterns };
}

const pureCoreRules = (folder, extraPaths = []) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { paths: [...ioModules, ...extraPaths], ...layerRule(folder) }],
  'no-restricted-globals': ['error', 'process', 'fetch'],
  'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'pass a seeded random source' }, { object: 'Date', property: 'now', message: 'pass time in' }],
});

export default tseslint.config(
  { ignores: ['node_modules/**', 'test-servers/**', '.cache/**', 'notebooks/**', 'dist/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  { files: ['scripts/**/*.mjs', 'bin/**/*.js'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  { files: ['src/stats/**/*.ts'], rules: pureCoreRules('stats') },
  { files: ['src/analysis/**/*.ts'], rules: pureCoreRules('analysis') },
  { files: ['src/charts/**/*.ts'], ignores: ['src/charts/render.ts'], rules: pureCoreRules('charts') },
  // render.ts turns a spec into SVG/PNG (vega, resvg and a font file): allowed I/O, same layer otherwise.
  { files: ['src/charts/render.ts'], rules: { '@typescript-eslint/no-restricted-imports': ['error', layerRule('charts')] } },
  { files: ['src/report/**/*.ts'], rules: pureCoreRules('report') },
  ...['sources', 'net', 'worker', 'store', 'actions', 'notify', 'runtime', 'http', 'cli'].map((folder) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', layerRule(folder)] },
  })),
  // The shared leaf modules import nothing of ours but errors.ts.
  {
    files: ['src/config.ts', 'src/errors.ts', 'src/duration.ts', 'src/units.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: [...FOLDERS.flatMap(patternOf), '**/config.ts', '**/duration.ts'], allowTypeImports: true, message: 'shared modules are leaves: they import nothing of ours but errors.ts (types are fine)' }] }] },
  },
);
