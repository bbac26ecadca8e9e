/**
 * The baseline of an analysis request (issue 11), resolved once in runAnalysis: the demo's gradual flag rollout
 * with a cohort baseline, and the seasonal baseline's reference days, through the real demo source.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { resolveBaseline } from '../../src/runtime/baseline.ts';
import { runAnalysis } from '../../src/runtime/run-analysis.ts';

const config = loadConfig();
const UPGRADE = '2026-11-20T14:00:00Z';
const T0 = Date.parse(UPGRADE);
const H = 3_600_000;
const D = 24 * H;

describe('resolveBaseline', () => {
  it('seasonal: the after window moved back 1…K periods, newest first', () => {
    const b = resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', period: '7d', periods: 2, variancePeriods: 2 }, config, { upgradeAt: T0, beforeMs: 2 * H, afterMs: 2 * H });
    expect(b.query).toEqual({ kind: 'seasonal', periodMs: 7 * D, references: [{ start: T0 - 7 * D, stop: T0 - 7 * D + 2 * H }, { start: T0 - 14 * D, stop: T0 - 14 * D + 2 * H }] });
    expect(b.before).toEqual({ start: T0 - 14 * D, stop: T0 - 7 * D + 2 * H });
  });
  it('seasonal: by default 14 periods measure the period-to-period variation, the first K of them the baseline', () => {
    const w = { upgradeAt: T0, beforeMs: H, afterMs: H };
    const b = resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal' }, config, w);
    expect(b.query).toMatchObject({ kind: 'seasonal', periodMs: D, levelPeriods: 3 });
    const refs = (b.query as { references: Array<{ start: number }> }).references;
    expect(refs.map((r) => (T0 - r.start) / D)).toEqual(Array.from({ length: 14 }, (_, k) => k + 1));
    expect(b.before).toEqual({ start: T0 - 14 * D, stop: T0 - D + H });
    // An explicit --periods beyond the configured history: the history is the periods themselves.
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 20 }, config, w).query).not.toHaveProperty('levelPeriods');
    expect((resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 20 }, config, w).query as { references: unknown[] }).references).toHaveLength(20);
    // One baseline day with the day-to-day variation of 7.
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 1, variancePeriods: 7 }, config, w).query).toMatchObject({ levelPeriods: 1, references: { length: 7 } });
  });
  it('defaults come from config.baseline; bad values are bad input naming the field', () => {
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE }, config, { upgradeAt: T0, beforeMs: H, afterMs: H }).kind).toBe('before');
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'cohort' }, config, { upgradeAt: T0, beforeMs: H, afterMs: H }).query).toEqual({ kind: 'cohort', tag: 'variant', control: 'disabled' });
    expect(() => resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 0 }, config, { upgradeAt: T0, beforeMs: H, afterMs: H })).toThrow(/periods: must be a whole number from 1 to 52 \(got 0\)/);
    expect(() => resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 4, variancePeriods: 3 }, config, { upgradeAt: T0, beforeMs: H, afterMs: H })).toThrow(/variancePeriods: must be a whole number from 4 \(the periods, at least 2\) to 52 \(got 3\)/);
    expect(() => resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periods: 1, variancePeriods: 1 }, config, { upgradeAt: T0, beforeMs: H, afterMs: H })).toThrow(/variancePeriods: must be a whole number from 2/);
    expect(() => resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', period: '1h' }, config, { upgradeAt: T0, beforeMs: H, afterMs: 2 * H })).toThrow(/period: "1h" is shorter than the after window/);
    expect(() => resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'cohort', control: 'a b' }, config, { upgradeAt: T0, beforeMs: H, afterMs: H })).toThrow(/control: "a b" is not a tag value/);
    const sloppy = { source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periodVariance: 'within' } as unknown as Parameters<typeof resolveBaseline>[0];
    expect(() => resolveBaseline(sloppy, config, { upgradeAt: T0, beforeMs: H, afterMs: H })).toThrow(/periodVariance: must be one of between, auto \(got "within"\)/);
  });
  it("seasonal: the request's period variance is kept for the analysis; absent, the config's applies", () => {
    const w = { upgradeAt: T0, beforeMs: H, afterMs: H };
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal', periodVariance: 'auto' }, config, w).periodVariance).toBe('auto');
    expect(resolveBaseline({ source: 'demo', upgradeAt: UPGRADE, baseline: 'seasonal' }, config, w)).not.toHaveProperty('periodVariance');
  });
});

describe('runAnalysis with a baseline (demo source)', () => {
  it('cohort on the gradual rollout: flag-on vs flag-off requests of the after window, /checkout p99 regresses', async () => {
    const { report } = await runAnalysis({ source: 'demo-rollout', upgradeAt: UPGRADE, baseline: 'cohort', services: ['shop'] }, { config });
    expect(report.baseline).toMatchObject({ kind: 'cohort', tag: 'variant', control: 'disabled', treatments: ['backoff-v2'], untagged: 0 });
    const b = report.baseline as { controlPoints: number; treatmentPoints: number };
    // 10 % for the first hour, 50 % for the second: about 30 % flag-on.
    expect(b.treatmentPoints / (b.controlPoints + b.treatmentPoints)).toBeGreaterThan(0.25);
    expect(b.treatmentPoints / (b.controlPoints + b.treatmentPoints)).toBeLessThan(0.35);
    const p99 = report.findings.find((f) => f.subject === '/checkout' && f.statistic === 'p99');
    expect(p99?.status).toBe('regression');
    expect(report.findings.filter((f) => f.status === 'regression' && f.kind === 'tail_latency').every((f) => f.subject === '/checkout')).toBe(true);
  }, 60_000);

  it('cohort on the plain demo (flag on for everybody): no control in the window is bad input', async () => {
    await expect(runAnalysis({ source: 'demo', upgradeAt: UPGRADE, baseline: 'cohort' }, { config })).rejects.toThrow(/no point in the after window has variant=disabled/);
  }, 60_000);

  it('seasonal: three reference days, each reported with its volume, the regression still found', async () => {
    const { report } = await runAnalysis({ source: 'demo', upgradeAt: UPGRADE, after: '1h', baseline: 'seasonal', periods: 3, variancePeriods: 3, services: ['shop'] }, { config });
    expect(report.baseline?.kind).toBe('seasonal');
    const s = report.baseline as { period: string; used: number; references: Array<{ start: string; status: string; requests: number }> };
    expect(s.period).toBe('1d');
    expect(s.used).toBe(3);
    expect(s.references.map((r) => r.start)).toEqual(['2026-11-19T14:00:00.000Z', '2026-11-18T14:00:00.000Z', '2026-11-17T14:00:00.000Z']);
    expect(s.references.every((r) => r.status === 'used' && r.requests > 10_000)).toBe(true);
    expect(report.findings.find((f) => f.subject === '/checkout' && f.statistic === 'p99')?.status).toBe('regression');
    // The between-day variance is measured on 3 days: a t test whose degrees of freedom lie in [K − 1, 2(K − 1)].
    const df = Number(/rao-scott t, ([\d.]+) df/.exec(report.findings.find((f) => f.subject === '/checkout' && f.statistic === 'p99')?.test ?? '')?.[1]);
    expect(df).toBeGreaterThanOrEqual(2);
    expect(df).toBeLessThanOrEqual(4);
  }, 60_000);

  it('seasonal by default: 3 baseline days, the day-to-day variation measured over 14 (t with 13 df), the regression found', async () => {
    const { report } = await runAnalysis({ source: 'demo', upgradeAt: UPGRADE, after: '1h', baseline: 'seasonal', services: ['shop'] }, { config });
    const s = report.baseline as { periods: number; used: number; variancePeriods: number; varianceUsed: number; references: Array<{ start: string; status: string; requests: number; role?: string }> };
    expect(s).toMatchObject({ periods: 3, used: 3, variancePeriods: 14, varianceUsed: 14 });
    expect(s.references).toHaveLength(14);
    expect(s.references.map((r) => r.role ?? 'baseline')).toEqual([...Array<string>(3).fill('baseline'), ...Array<string>(11).fill('variance')]);
    expect(s.references.every((r) => r.requests > 10_000)).toBe(true);
    const p99 = report.findings.find((f) => f.subject === '/checkout' && f.statistic === 'p99');
    expect(p99?.status).toBe('regression');
    // The between-day variance is measured on 14 days, one estimate for both sides: t with H − 1 = 13 df.
    expect(Number(/rao-scott t, ([\d.]+) df/.exec(p99?.test ?? '')?.[1])).toBe(13);
  }, 120_000);

  it('seasonal with periodVariance auto: the per-service period-effect check runs and the report says which variance each service used', async () => {
    const { report } = await runAnalysis({ source: 'demo', upgradeAt: UPGRADE, after: '1h', baseline: 'seasonal', periods: 3, periodVariance: 'auto', services: ['shop'] }, { config });
    expect(report.settings.seasonal).toEqual({ periodVariance: 'auto' });
    const checks = (report.baseline as { periodEffect?: Array<{ service: string; comparisons: number; pValue: number | null; variance: string }> }).periodEffect;
    expect(checks?.map((c) => c.service)).toEqual(['shop']);
    expect(checks?.[0].comparisons).toBeGreaterThan(0);
    expect(checks?.[0].pValue).toBeGreaterThanOrEqual(0);
    expect(['between', 'within']).toContain(checks?.[0].variance);
    // The default does not run the check: no periodEffect entry, the config's setting in report.settings.
    const plain = await runAnalysis({ source: 'demo', upgradeAt: UPGRADE, after: '1h', baseline: 'seasonal', periods: 3, services: ['shop'] }, { config });
    expect(plain.report.baseline).not.toHaveProperty('periodEffect');
  }, 120_000);
});
