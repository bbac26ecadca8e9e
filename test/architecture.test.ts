/**
 * The layers of DESIGN.md hold: ESLint's import-direction rules (eslint.config.js) must pass on the whole of
 * src/, the pure core (stats/, analysis/, charts/, report/) stays pure, and for every layer a deliberate
 * violation must be caught (so no rule can silently stop working) while what the table allows stays allowed.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
const RESTRICTED = '@typescript-eslint/no-restricted-imports';

describe('architecture rules', () => {
  it('src/ has no lint errors (no I/O in the pure core, no clock, no Math.random, no import against the layers)', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts']);
    const errors = results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${r.filePath}:${m.line} ${m.ruleId}: ${m.message}`));
    expect(errors).toEqual([]);
  }, 120_000);

  it.each([
    ['src/analysis/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", RESTRICTED],
    ['src/analysis/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", RESTRICTED],
    ['src/stats/x.ts', "import type { Report } from '../analysis/types.ts';\nexport type A = Report;\n", RESTRICTED],
    ['src/stats/x.ts', 'export const a = () => Math.random();\n', 'no-restricted-properties'],
    ['src/analysis/x.ts', 'export const a = () => Date.now();\n', 'no-restricted-properties'],
    ['src/charts/x.ts', 'export const a = () => process.env.HOME;\n', 'no-restricted-globals'],
    ['src/report/x.ts', "import { writeFile } from 'node:fs/promises';\nexport const a = writeFile;\n", RESTRICTED],
    ['src/report/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", RESTRICTED],
    ['src/report/x.ts', 'export const a = () => new Date(Date.now());\n', 'no-restricted-properties'],
    ['src/sources/x.ts', "import { openStore } from '../store/open-store.ts';\nexport const a = openStore;\n", RESTRICTED],
    ['src/sources/influx/x.ts', "import { buildApp } from '../../http/app.ts';\nexport const a = buildApp;\n", RESTRICTED],
    ['src/net/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", RESTRICTED],
    ['src/worker/x.ts', "import { runAnalysis } from '../runtime/run-analysis.ts';\nexport const a = runAnalysis;\n", RESTRICTED],
    ['src/store/x.ts', "import { ActionService } from '../actions/action-service.ts';\nexport const a = ActionService;\n", RESTRICTED],
    ['src/store/pg/x.ts', "import { runAnalysis } from '../../runtime/run-analysis.ts';\nexport const a = runAnalysis;\n", RESTRICTED],
    ['src/actions/x.ts', "import { PgAuditLog } from '../store/pg/pg-audit-log.ts';\nexport const a = PgAuditLog;\n", RESTRICTED],
    ['src/actions/unleash/x.ts', "import { openStore } from '../../store/open-store.ts';\nexport const a = openStore;\n", RESTRICTED],
    ['src/actions/x.ts', "import { runAnalysis } from '../runtime/run-analysis.ts';\nexport const a = runAnalysis;\n", RESTRICTED],
    ['src/actions/x.ts', "import { buildApp } from '../http/app.ts';\nexport const a = buildApp;\n", RESTRICTED],
    ['src/runtime/x.ts', "import { buildApp } from '../http/app.ts';\nexport const a = buildApp;\n", RESTRICTED],
    ['src/runtime/x.ts', "import { main } from '../cli/main.ts';\nexport const a = main;\n", RESTRICTED],
    ['src/http/routes/x.ts', "import { openStore } from '../../store/open-store.ts';\nexport const a = openStore;\n", RESTRICTED],
    ['src/http/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", RESTRICTED],
    ['src/http/x.ts', "import { PgStore } from '../store/open-store.ts';\nexport const a = PgStore;\n", RESTRICTED],
    ['src/cli/x.ts', "import { createSource } from '../sources/resolve-source.ts';\nexport const a = createSource;\n", RESTRICTED],
    ['src/cli/x.ts', "import { PgLocks } from '../store/pg/pg-locks.ts';\nexport const a = PgLocks;\n", RESTRICTED],
    ['src/config.ts', "import { analyze } from './analysis/analyze.ts';\nexport const a = analyze;\n", RESTRICTED],
    ['src/notify/x.ts', "import { PgNotificationLog } from '../store/pg/pg-notification-log.ts';\nexport const a = PgNotificationLog;\n", RESTRICTED],
    ['src/notify/x.ts', "import { openRuntime } from '../runtime/open-runtime.ts';\nexport const a = openRuntime;\n", RESTRICTED],
    ['src/notify/x.ts', "import { ActionService } from '../actions/action-service.ts';\nexport const a = ActionService;\n", RESTRICTED],
    ['src/actions/x.ts', "import { Notifier } from '../notify/notifier.ts';\nexport const a = Notifier;\n", RESTRICTED],
  ])('rejects a violation in %s', async (file, code, rule) => {
    const [result] = await eslint.lintText(code, { filePath: file });
    expect(result.messages.map((m) => m.ruleId)).toContain(rule);
  }, 60_000);

  it.each([
    ['src/store/x.ts', "import type { FlagSnapshot } from '../actions/backoff-constants.ts';\nexport type A = FlagSnapshot;\n"],
    ['src/actions/x.ts', "import type { AnalysisRequest } from '../runtime/analysis-request.ts';\nexport type A = AnalysisRequest;\n"],
    ['src/actions/x.ts', "import type { AuditLog } from '../store/audit-log.ts';\nexport type A = AuditLog;\n"],
    ['src/worker/x.ts', "import type { AnalysisRequest } from '../runtime/analysis-request.ts';\nexport type A = AnalysisRequest;\n"],
    ['src/runtime/x.ts', "import { openStore } from '../store/open-store.ts';\nexport const a = openStore;\n"],
    ['src/http/x.ts', "import { openRuntime } from '../runtime/open-runtime.ts';\nexport const a = openRuntime;\n"],
    ['src/sources/x.ts', "import { sleep } from '../net/sleep.ts';\nexport const a = sleep;\n"],
    ['src/runtime/x.ts', "import { Notifier } from '../notify/notifier.ts';\nexport const a = Notifier;\n"],
    ['src/notify/x.ts', "import { retry } from '../net/retry.ts';\nexport const a = retry;\n"],
    ['src/notify/x.ts', "import { serviceView } from '../report/service-view.ts';\nexport const a = serviceView;\n"],
  ])('allows what the module table allows in %s', async (file, code) => {
    const [result] = await eslint.lintText(code, { filePath: file });
    expect(result.messages.filter((m) => m.ruleId === RESTRICTED)).toEqual([]);
  }, 60_000);
});
