import { describe, expect, it } from 'vitest';
import { createFlagActions, unleashSettings } from '../../src/actions/actions-config.ts';
import { parseGuardConfig } from '../../src/actions/guard-config.ts';
import { loadConfig, readYamlFile, DEFAULT_CONFIG_PATH } from '../../src/config.ts';
import path from 'node:path';

describe('unleash / actions config', () => {
  const config = loadConfig();

  it('defaults to not configured (dry runs only); environment variables override the file', () => {
    expect(createFlagActions(config, {})).toBeNull();
    const s = unleashSettings(config, { UNLEASH_URL: 'http://unleash:4242', UNLEASH_ADMIN_TOKEN: '*:*.s', UNLEASH_ENVIRONMENT: 'staging', UNLEASH_FLAG: 'my.flag' });
    expect(s).toMatchObject({ url: 'http://unleash:4242', adminToken: '*:*.s', environment: 'staging', flag: 'my.flag', project: 'default', variant: 'backoff-constants' });
    const actions = createFlagActions(config, { UNLEASH_URL: 'http://unleash:4242/', UNLEASH_ADMIN_TOKEN: '*:*.secret' })!;
    expect(actions.description).toBe('Unleash http://unleash:4242 flag "dten.backoff.v2" (project default, environment production, variant "backoff-constants")');
    expect(actions.description).not.toContain('secret');
  });

  it('half a configuration is a clear error, not a silent dry run', () => {
    expect(() => createFlagActions(config, { UNLEASH_URL: 'http://unleash:4242' })).toThrow(/adminToken \(UNLEASH_ADMIN_TOKEN\) is missing; set both, or neither/);
    expect(() => createFlagActions(config, { UNLEASH_URL: 'unleash', UNLEASH_ADMIN_TOKEN: 't' })).toThrow(/url "unleash" is not a URL/);
  });
});

describe('guard config', () => {
  const shipped = readYamlFile(path.join(path.dirname(DEFAULT_CONFIG_PATH), 'guard.yaml')) as Record<string, unknown>;

  it('the shipped config/guard.yaml is valid, disabled and dry-run', () => {
    const g = parseGuardConfig(shipped, 'config/guard.yaml');
    expect(g).toMatchObject({ enabled: false, dryRun: true, intervalMs: 300_000, consecutive: 2, cooldownMs: 900_000, maxActionsPerHour: 2 });
    expect(g.targets[0]).toMatchObject({ name: 'shop', source: 'demo' });
  });

  it('errors name the file and the field', () => {
    expect(() => parseGuardConfig({ ...shipped, hysteresis: { consecutive: 0 } }, 'guard.yaml')).toThrow(/guard.yaml: invalid value at "hysteresis.consecutive"/);
    expect(() => parseGuardConfig({ ...shipped, interval: 'soon' }, 'guard.yaml')).toThrow(/guard.yaml: interval: "soon" is not a duration/);
    expect(() => parseGuardConfig({ ...shipped, steps: { ...(shipped.steps as object), killSwitch: { enabled: true, when: ['latency'] } } }, 'guard.yaml')).toThrow(/"steps.killSwitch.when.0"/);
    const targets = [{ name: 'a', source: 'demo', upgradeAt: 'yesterday' }];
    expect(() => parseGuardConfig({ ...shipped, targets }, 'guard.yaml')).toThrow(/guard.yaml: targets.0.upgradeAt: "yesterday" is not an RFC 3339 time/);
  });

  it('a target may set its baseline with the CLI\'s names (issue 11); bad values name the field', () => {
    const target = { name: 'a', source: 'demo-rollout', upgradeAt: '2026-11-20T14:00:00Z', baseline: 'cohort', cohortTag: 'variant', control: 'disabled' };
    expect(parseGuardConfig({ ...shipped, targets: [target] }, 'guard.yaml').targets[0]).toMatchObject({ baseline: 'cohort', cohortTag: 'variant', control: 'disabled' });
    const seasonal = { name: 'b', source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', baseline: 'seasonal', period: '7d', periods: 4 };
    expect(parseGuardConfig({ ...shipped, targets: [seasonal] }, 'guard.yaml').targets[0]).toMatchObject({ baseline: 'seasonal', period: '7d', periods: 4 });
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...target, baseline: 'weekly' }] }, 'guard.yaml')).toThrow(/guard.yaml: invalid value at "targets.0.baseline"/);
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...seasonal, periods: 0 }] }, 'guard.yaml')).toThrow(/guard.yaml: invalid value at "targets.0.periods"/);
    expect(parseGuardConfig({ ...shipped, targets: [{ ...seasonal, periods: 1, variancePeriods: 14 }] }, 'guard.yaml').targets[0]).toMatchObject({ periods: 1, variancePeriods: 14 });
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...seasonal, variancePeriods: 1 }] }, 'guard.yaml')).toThrow(/guard.yaml: invalid value at "targets.0.variancePeriods"/);
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...seasonal, variancePeriods: 3 }] }, 'guard.yaml')).toThrow(/guard.yaml: targets.0.variancePeriods: must be at least targets.0.periods \(4\), got 3/);
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...seasonal, period: 'soon' }] }, 'guard.yaml')).toThrow(/guard.yaml: targets.0.period: "soon" is not a duration/);
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...target, cohortTag: '' }] }, 'guard.yaml')).toThrow(/"targets.0.cohortTag"/);
  });

  it('a target may allow a future upgrade time and set its analysis deadline (issue 14); a bad deadline names the field', () => {
    const target = { name: 'a', source: 'demo', upgradeAt: '2026-11-20T14:00:00Z', allowFuture: true, deadline: '5m' };
    expect(parseGuardConfig({ ...shipped, targets: [target] }, 'guard.yaml').targets[0]).toMatchObject({ allowFuture: true, deadline: '5m' });
    expect(() => parseGuardConfig({ ...shipped, targets: [{ ...target, deadline: 'soon' }] }, 'guard.yaml')).toThrow(/guard.yaml: targets.0.deadline: "soon" is not a duration/);
  });
});
