import { describe, expect, it } from 'vitest';
import { decide, failingKinds, type PolicyInput } from '../../src/actions/guard-policy.ts';
import type { BackoffRecommendation } from '../../src/actions/recommend-backoff.ts';
import { BACKOFF_REGRESSION, PASSING } from './report-fixtures.ts';

const TUNE: BackoffRecommendation = {
  action: 'tune',
  service: 'shop',
  upstream: 'payments-api',
  current: { baseMs: 400, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 },
  constants: { baseMs: 80, maxMs: 8000, multiplier: 2, jitter: 0.5, maxAttempts: 4 },
  checks: [],
  model: null,
  rationale: ['regressed', 'model', 'Propose baseMs 400 → 80', '/checkout p99: predicted 370 ms'],
};

const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({
  policy: {
    consecutive: 2,
    cooldownMs: 15 * 60_000,
    maxActionsPerHour: 2,
    tune: { enabled: true, when: ['tail_latency'], maxPerEpisode: 1, aim: 0.5 },
    killSwitch: { enabled: true, when: ['tail_latency', 'retry_rate'] },
  },
  nowMs: Date.parse('2026-11-20T17:00:00Z'),
  failingKinds: ['tail_latency', 'retry_rate'],
  consecutive: 2,
  flagEnabled: true,
  lastGuardActionMs: null,
  guardActionsLastHour: 0,
  tunesThisEpisode: 0,
  recommendation: TUNE,
  ...over,
});

describe('guard policy', () => {
  it('finds the regressed kinds of the target services only', () => {
    expect(failingKinds(BACKOFF_REGRESSION, ['shop'], ['tail_latency', 'retry_rate'])).toEqual(['tail_latency', 'retry_rate']);
    expect(failingKinds(BACKOFF_REGRESSION, ['accounts'], ['tail_latency', 'retry_rate'])).toEqual([]);
    expect(failingKinds(PASSING, undefined, ['tail_latency'])).toEqual([]);
  });

  it('passing → nothing', () => {
    expect(decide(input({ failingKinds: [], consecutive: 0 }))).toMatchObject({ act: false, reason: expect.stringMatching(/evaluation passed/) });
  });

  it('waits for the configured number of failing evaluations in a row (hysteresis)', () => {
    expect(decide(input({ consecutive: 1 })).reason).toBe('did nothing because this is failing evaluation 1 of 2 needed in a row (hysteresis); regressed: tail_latency, retry_rate');
  });

  it('tunes first, then escalates to the kill switch once the tunes of the episode are used up', () => {
    expect(decide(input())).toMatchObject({ act: true, step: 'tune', constants: TUNE.constants, reason: expect.stringMatching(/Propose baseMs 400 → 80/) });
    const kill = decide(input({ tunesThisEpisode: 1 }));
    expect(kill).toMatchObject({ act: true, step: 'kill_switch' });
    expect(kill.reason).toMatch(/1 tune\(s\) already applied in this episode \(maximum 1\) and the regression persists/);
  });

  it('goes straight to the kill switch when the recommendation says tuning cannot help', () => {
    const d = decide(input({ recommendation: { ...TUNE, action: 'kill_switch', constants: null, rationale: ['…', 'Even the most aggressive constants within bounds leave a quantile above its target'] } }));
    expect(d).toMatchObject({ act: true, step: 'kill_switch' });
    expect(d.reason).toMatch(/tuning cannot help: Even the most aggressive/);
  });

  it('respects an already switched-off flag, the cooldown and the hourly cap', () => {
    expect(decide(input({ flagEnabled: false })).reason).toMatch(/already switched off/);
    expect(decide(input({ lastGuardActionMs: Date.parse('2026-11-20T16:50:00Z') })).reason).toBe(
      'did nothing because of the cooldown: the last guard action was 10m ago, the cooldown is 15m',
    );
    expect(decide(input({ lastGuardActionMs: Date.parse('2026-11-20T16:40:00Z'), guardActionsLastHour: 2 })).reason).toMatch(/cap is reached: 2 guard actions in the last hour \(maximum 2\)/);
  });

  it('does nothing when no enabled step is triggered', () => {
    const d = decide(input({ failingKinds: ['retry_rate'], policy: { ...input().policy, killSwitch: { enabled: false, when: ['retry_rate'] } } }));
    expect(d).toMatchObject({ act: false, reason: expect.stringMatching(/no enabled step is triggered by retry_rate/) });
  });
});
