/**
 * startGuard, as `aftershock serve` calls it: off unless the guard file says enabled; when on, it
 * re-analyses the (real demo) target every interval and records its decisions — here with no Unleash
 * configured, so its step is a dry run that says so.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgGuardLog } from '../../src/store/pg/pg-guard-log.ts';
import { startGuard } from '../../src/runtime/guard-runtime.ts';
import { openRuntime } from '../../src/runtime/open-runtime.ts';
import { PgStore } from '../../src/store/open-store.ts';
import { loadConfig } from '../../src/config.ts';
import { migrate } from '../../src/store/pg/migrate.ts';
import { PgliteClient } from '../../src/store/pg/pglite-client.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'aftershock-guard-service-'));
let sql: PgliteClient;
beforeAll(async () => {
  sql = await PgliteClient.open('memory://');
  await migrate(sql);
});
afterAll(async () => {
  await sql.close();
  rmSync(dir, { recursive: true, force: true });
});

function guardFile(enabled: boolean): string {
  const file = path.join(dir, `guard-${enabled}.yaml`);
  writeFileSync(
    file,
    `enabled: ${enabled}
dryRun: true
interval: 200ms
targets:
  - { name: shop, source: demo, services: [shop], upgradeAt: "2026-11-20T14:00:00Z", before: 1h, after: 1h }
hysteresis: { consecutive: 2 }
cooldown: 10m
maxActionsPerHour: 2
steps:
  tune: { enabled: true, when: [tail_latency], maxPerEpisode: 1, aim: 0.5 }
  killSwitch: { enabled: true, when: [tail_latency, retry_rate] }
lockKey: 99
`,
  );
  return file;
}

/** The runtime the service opens, over this test's store, with the given environment. */
const runtimeWith = (env: NodeJS.ProcessEnv) => openRuntime({ config: loadConfig(), env, store: new PgStore(sql, 'memory') });

describe('startGuard', () => {
  it('returns null when the guard file says enabled: false', async () => {
    expect(startGuard(await runtimeWith({ AFTERSHOCK_GUARD_FILE: guardFile(false) }))).toBeNull();
  });

  it('runs every interval, applies hysteresis, and proposes (dry run, Unleash not configured)', { timeout: 60_000 }, async () => {
    const lines: string[] = [];
    const handle = startGuard(await runtimeWith({ AFTERSHOCK_GUARD_FILE: guardFile(true) }), { log: (m) => lines.push(m) })!;
    const log = new PgGuardLog(sql);
    const deadline = Date.now() + 45_000;
    while ((await log.list({ target: 'shop' })).items.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await handle.stop();
    const items = (await log.list({ target: 'shop' })).items.reverse();
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items[0]).toMatchObject({ evaluation: 'failing', decision: 'nothing', consecutive: 1 });
    expect(items[1]).toMatchObject({ evaluation: 'failing', decision: 'dry_run', step: 'tune', consecutive: 2 });
    expect(items[1].reason).toMatch(/Unleash is not configured/);
    expect(lines[0]).toMatch(/every 200 ms, dry run \(Unleash is not configured\), targets shop/);
  });
});
