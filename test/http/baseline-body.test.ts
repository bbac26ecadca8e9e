/**
 * The baseline fields of POST /v1/analyses (issue 11) through inject() on the real service with the real analysis
 * in worker threads: the same names as the CLI flags, checked by the body schema, resolved once in runAnalysis,
 * and reported in report.baseline and the Markdown report.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_TOKEN, WRITE_TOKEN, auth, startTestService, waitFinished, type TestService } from './test-service.ts';

const upgradeAt = '2026-11-20T14:00:00Z';

describe('POST /v1/analyses with a baseline', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ realAnalysis: true });
  });
  afterAll(async () => svc?.close());

  const post = (payload: Record<string, unknown>) => svc.app.inject({ method: 'POST', url: '/v1/analyses', headers: auth(WRITE_TOKEN), payload });

  it('cohort on the demo rollout: flag-off vs flag-on of the after window, named in the report and its Markdown', async () => {
    const res = await post({ source: 'demo-rollout', upgradeAt, after: '2h', services: ['shop'], baseline: 'cohort', cohortTag: 'variant', control: 'disabled' });
    expect(res.statusCode).toBe(202);
    const done = await waitFinished(svc, res.json().id);
    expect(done.status).toBe('done');
    const report = done.report as { baseline: Record<string, unknown>; windows: { after: { start: string } } };
    expect(report.baseline).toMatchObject({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], window: { start: '2026-11-20T14:00:00.000Z' } });
    const md = await svc.app.inject({ url: `/v1/analyses/${res.json().id}/report.md`, headers: auth(READ_TOKEN) });
    expect(md.body).toContain('Baseline: cohort: flag-on (variant = backoff-v2');
  }, 60_000);

  it('seasonal with 2 one-day periods: the reference days are the report\'s', async () => {
    const res = await post({ source: 'demo', upgradeAt, after: '1h', services: ['shop'], baseline: 'seasonal', period: '1d', periods: 2, variancePeriods: 2 });
    expect(res.statusCode).toBe(202);
    const done = await waitFinished(svc, res.json().id);
    expect(done.status).toBe('done');
    const b = (done.report as { baseline: { kind: string; periods: number; used: number; references: Array<{ start: string }> } }).baseline;
    expect(b).toMatchObject({ kind: 'seasonal', period: '1d', periods: 2, used: 2 });
    expect(b.references.map((r) => r.start)).toEqual(['2026-11-19T14:00:00.000Z', '2026-11-18T14:00:00.000Z']);
  }, 60_000);

  it('bad baseline fields are refused with 400 naming the field, before anything is stored', async () => {
    for (const [extra, field] of [
      [{ baseline: 'weekly' }, 'baseline'],
      [{ baseline: 'seasonal', periods: 0 }, 'periods'],
      [{ baseline: 'seasonal', variancePeriods: 1 }, 'variancePeriods'],
      [{ baseline: 'seasonal', periods: 4, variancePeriods: 3 }, 'variancePeriods'],
      [{ baseline: 'seasonal', period: 'soon' }, 'period'],
      [{ baseline: 'cohort', cohortTag: '' }, 'cohortTag'],
      [{ baseline: 'seasonal', periodVariance: 'within' }, 'periodVariance'],
    ] as const) {
      const res = await post({ source: 'demo', upgradeAt, ...extra });
      expect(res.statusCode, JSON.stringify(extra)).toBe(400);
      expect(res.json().message, JSON.stringify(extra)).toContain(field);
    }
    const list = await svc.app.inject({ url: '/v1/analyses', headers: auth(READ_TOKEN) });
    expect((list.json() as { items: unknown[] }).items).toHaveLength(2);
  });
});
