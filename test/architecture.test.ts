/**
 * The pure core stays pure: ESLint's import-direction rules (eslint.config.js) must hold for stats/, analysis/ and
 * charts/, and a deliberate violation must be caught (so the rule itself cannot silently stop working).
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

describe('architecture rules', () => {
  it('the pure core has no lint errors (no I/O, no clock, no Math.random, no upward imports)', async () => {
    const results = await eslint.lintFiles(['src/stats/**/*.ts', 'src/analysis/**/*.ts', 'src/charts/**/*.ts']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(errors).toEqual([]);
  }, 120_000);

  it.each([
    ['src/analysis/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", 'no-restricted-imports'],
    ['src/analysis/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", 'no-restricted-imports'],
    ['src/stats/x.ts', "import type { Report } from '../analysis/types.ts';\nexport type A = Report;\n", 'no-restricted-imports'],
    ['src/stats/x.ts', 'export const a = () => Math.random();\n', 'no-restricted-properties'],
    ['src/analysis/x.ts', 'export const a = () => Date.now();\n', 'no-restricted-properties'],
    ['src/charts/x.ts', 'export const a = () => process.env.HOME;\n', 'no-restricted-globals'],
  ])('rejects a violation in %s', async (file, code, rule) => {
    const [result] = await eslint.lintText(code, { filePath: file });
    expect(result.messages.map((m) => m.ruleId)).toContain(rule);
  }, 60_000);
});
