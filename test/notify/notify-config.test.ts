/** The `notifications:` section: defaults, environment lookups, and an error naming the target and field for each mistake. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { notifySettings } from '../../src/notify/notify-config.ts';

function withSection(section: Record<string, unknown>) {
  const config = loadConfig();
  config.notifications = { ...(config.notifications as object), ...section };
  return config;
}

const env = { HOOK_SECRET: 's3cret', SLACK_URL: 'https://hooks.slack.com/services/T/B/x' };

describe('notifications config', () => {
  it('ships with no targets (nothing is sent) and valid defaults', () => {
    const s = notifySettings(loadConfig(), {});
    expect(s).toMatchObject({ targets: [], publicBaseUrl: null, concurrency: 4, retries: 10 });
    expect(s.leaseMs).toBeGreaterThan(s.attemptTimeoutMs);
  });

  it('resolves URLs and secrets from the environment; AFTERSHOCK_PUBLIC_URL overrides publicBaseUrl', () => {
    const s = notifySettings(
      withSection({
        publicBaseUrl: 'https://ignored.example.com',
        targets: [
          { name: 'hook', kind: 'webhook', url: 'https://receiver.example.com/in', secretEnv: 'HOOK_SECRET', services: ['shop'] },
          { name: 'chat', kind: 'slack', urlEnv: 'SLACK_URL', events: ['verdict.changed'] },
        ],
      }),
      { ...env, AFTERSHOCK_PUBLIC_URL: 'https://aftershock.example.com/' },
    );
    expect(s.publicBaseUrl).toBe('https://aftershock.example.com');
    expect(s.targets).toEqual([
      { name: 'hook', kind: 'webhook', url: 'https://receiver.example.com/in', secret: 's3cret', events: ['verdict.changed', 'guard.action'], services: ['shop'] },
      { name: 'chat', kind: 'slack', url: env.SLACK_URL, secret: null, events: ['verdict.changed'], services: null },
    ]);
  });

  it.each([
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'https://x.example.com' }] }, /targets\[0\] \("h"\): a webhook needs secretEnv/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'https://x.example.com', secretEnv: 'MISSING_SECRET' }] }, /targets\[0\] \("h"\)\.secretEnv: environment variable MISSING_SECRET is not set/],
    [{ targets: [{ name: 'h', kind: 'webhook', secretEnv: 'HOOK_SECRET' }] }, /give exactly one of url and urlEnv/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'ftp://x.example.com', secretEnv: 'HOOK_SECRET' }] }, /targets\[0\] \("h"\)\.url must be an http\(s\) URL/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'not a url', secretEnv: 'HOOK_SECRET' }] }, /\.url is not a URL/],
    [{ publicBaseUrl: 'https://a.example.com', targets: [{ name: 'c', kind: 'slack', url: 'https://hooks.slack.com/x' }] }, /a Slack webhook URL is a secret/],
    [{ targets: [{ name: 'c', kind: 'slack', urlEnv: 'SLACK_URL' }] }, /a Slack message links the report page: set config section "notifications"\.publicBaseUrl or AFTERSHOCK_PUBLIC_URL/],
    [{ publicBaseUrl: 'https://a.example.com', targets: [{ name: 'c', kind: 'slack', urlEnv: 'SLACK_URL', secretEnv: 'HOOK_SECRET' }] }, /secretEnv is for webhook targets/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'https://x.example.com', secretEnv: 'HOOK_SECRET' }, { name: 'h', kind: 'webhook', url: 'https://y.example.com', secretEnv: 'HOOK_SECRET' }] }, /targets\[1\]: the name "h" is used twice/],
    [{ targets: [{ name: 'h', kind: 'email', url: 'https://x.example.com' }] }, /invalid value at "targets\.0\.kind"/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'https://x.example.com', secretEnv: 'HOOK_SECRET', events: ['verdict.changes'] }] }, /invalid value at "targets\.0\.events\.0"/],
    [{ targets: [{ name: 'h', kind: 'webhook', url: 'https://x.example.com', secret: 'inline!' }] }, /invalid value at "targets\.0\.secret"/],
    [{ leaseMs: 1000, attemptTimeoutMs: 5000 }, /leaseMs \(1000\) must be longer than attemptTimeoutMs \(5000\)/],
    [{ minDelayMs: 5000, maxDelayMs: 1000 }, /maxDelayMs \(1000\) is below minDelayMs \(5000\)/],
    [{ concurrency: 0 }, /invalid value at "concurrency"/],
  ])('refuses %j with a message naming the field', (section, message) => {
    expect(() => notifySettings(withSection(section), env)).toThrow(message);
  });
});
