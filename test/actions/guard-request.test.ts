/**
 * What a guard target's fields become in the analysis request the guard runs (issue 11): the baseline fields travel
 * with the CLI's names, so a target reads like the command line that would run the same analysis. A real embedded
 * store (PGlite in memory); the analysis is captured, not run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionService } from '../../src/actions/action-service.ts';
import { DEFAULT_BACKOFF_BOUNDS } from '../../src/actions/backoff-constants.ts';
import { parseGuardConfig } from '../../src/actions/guard-config.ts';
import { SlaGuard } from '../../src/actions/guard.ts';
import type { AnalysisRequest } from '../../src/runtime/analysis-request.ts';
import { PgStore } from '../../src/store/open-store.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgAuditLog } from '../../src/store/pg/pg-audit-log.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { BACKOFF_REGRESSION } from './report-fixtures.ts';

let sql: PgliteClient;
beforeAll(async () => {
  sql = await PgliteClient.open('memory://');
  await migrate(sql);
});
afterAll(async () => sql?.close());

const raw = (target: Record<string, unknown>) => ({
  enabled: true, dryRun: true, interval: '5m',
  targets: [{ name: 'shop', source: 'demo', services: ['shop'], upgradeAt: '2026-11-20T14:00:00Z', before: '2h', after: '1h', ...target }],
  hysteresis: { consecutive: 1 }, cooldown: 0, maxActionsPerHour: 100,
  steps: { tune: { enabled: false, when: [], maxPerEpisode: 0, aim: 0.5 }, killSwitch: { enabled: true, when: ['tail_latency'] } },
  lockKey: 5252,
});

describe('the request a guard target becomes', () => {
  it('a seasonal target with its period variance: every baseline field reaches the analysis', async () => {
    const guard = parseGuardConfig(raw({ baseline: 'seasonal', period: '1d', periods: 5, variancePeriods: 10, periodVariance: 'auto' }), 'guard.yaml');
    const seen: AnalysisRequest[] = [];
    const store = new PgStore(sql, 'memory');
    const actions = new ActionService({ flags: null, audit: new PgAuditLog(sql), ref: { project: 'default', environment: 'production', flag: 'dten.backoff.v2' }, bounds: DEFAULT_BACKOFF_BOUNDS, dryRunDefault: true });
    const g = new SlaGuard({
      guard, actions, guardLog: store.guardLog, audit: store.audit, locks: store.locks, id: 'request-test',
      now: () => new Date('2026-11-20T15:30:00Z'),
      analyze: async (request) => {
        seen.push(request);
        return { result: { report: BACKOFF_REGRESSION, series: { latency: [], upstreams: [] } }, analysisId: null };
      },
    });
    await g.runOnce();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ source: 'demo', baseline: 'seasonal', period: '1d', periods: 5, variancePeriods: 10, periodVariance: 'auto', services: ['shop'] });
  });

  it('a period variance outside between/auto is refused at load, naming the field', () => {
    expect(() => parseGuardConfig(raw({ baseline: 'seasonal', periodVariance: 'within' }), 'guard.yaml')).toThrow(/targets.0.periodVariance/);
  });
});
