// ESLint flat config. The important rule is the import direction: the pure core (stats/, analysis/,
// charts/ spec builders) must not reach I/O, the clock or other layers (see ../shared/DESIGN.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['node:fs', 'node:fs/promises', 'fs', 'fs/promises', 'node:net', 'node:http', 'node:https',
  'node:child_process', 'child_process', 'node:worker_threads', 'pg', '@electric-sql/pglite', 'fastify',
  '@influxdata/influxdb-client', 'unleash-client', 'undici'];
const layer = (name) => [`**/${name}/**`, `../${name}/*`, `../../${name}/*`];

export default tseslint.config(
  { ignores: ['node_modules/**', 'test-servers/**', '.cache/**', 'notebooks/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/stats/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules, patterns: [
        { group: [...layer('analysis'), ...layer('charts'), ...layer('sources'), ...layer('actions'), ...layer('store'), ...layer('http'), ...layer('cli')], message: 'stats/ imports nothing of ours but stats/' }] }],
      'no-restricted-globals': ['error', 'process', 'fetch'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'pass a seeded random source' }, { object: 'Date', property: 'now', message: 'pass time in' }],
    },
  },
  {
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules, patterns: [
        { group: [...layer('charts'), ...layer('sources'), ...layer('actions'), ...layer('store'), ...layer('http'), ...layer('cli')], message: 'analysis/ may import stats/ only' }] }],
      'no-restricted-globals': ['error', 'process', 'fetch'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'pass a seeded random source' }, { object: 'Date', property: 'now', message: 'pass time in' }],
    },
  },
  {
    files: ['src/charts/**/*.ts'],
    ignores: ['src/charts/render.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: ioModules, patterns: [
        { group: [...layer('sources'), ...layer('actions'), ...layer('store'), ...layer('http'), ...layer('cli')], message: 'charts/ may import analysis/ types only' }] }],
      'no-restricted-globals': ['error', 'process', 'fetch'],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random' }, { object: 'Date', property: 'now' }],
    },
  },
);
