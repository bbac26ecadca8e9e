import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../../src/config.ts';
import { serviceSettings } from '../../src/runtime/service-settings.ts';

describe('serviceSettings', () => {
  const config = loadConfig();

  it('defaults: 127.0.0.1:3000, PGlite under .data/pglite in the project, pool of 1', () => {
    const s = serviceSettings(config, {});
    expect(s.server).toMatchObject({ host: '127.0.0.1', port: 3000, logLevel: 'info' });
    expect(s.store.dataDir).toBe(path.join(PROJECT_ROOT, '.data/pglite'));
    expect(s.store.databaseUrl).toBeUndefined();
    expect(s.pool.size).toBe(1);
    // Analysis threads yield the CPU to the event loop under contention (issue 12: verdict p99).
    expect(s.pool.niceness).toBe(10);
    expect(s.auth).toEqual({ tokens: [], openReads: 'auto' });
  });

  it('HOST, PORT, LOG_LEVEL, AFTERSHOCK_DATA_DIR and DATABASE_URL override the config', () => {
    const s = serviceSettings(config, { HOST: '0.0.0.0', PORT: '8080', LOG_LEVEL: 'warn', AFTERSHOCK_DATA_DIR: '/var/lib/aftershock', DATABASE_URL: 'postgres://db/x' });
    expect(s.server).toMatchObject({ host: '0.0.0.0', port: 8080, logLevel: 'warn' });
    expect(s.store).toMatchObject({ dataDir: '/var/lib/aftershock', databaseUrl: 'postgres://db/x' });
    expect(serviceSettings(config, { AFTERSHOCK_DATA_DIR: 'state/db' }).store.dataDir).toBe(path.join(PROJECT_ROOT, 'state/db'));
  });

  it('names the variable or field of a bad value', () => {
    expect(() => serviceSettings(config, { PORT: 'eighty' })).toThrow(/PORT: "eighty" is not a port number/);
    expect(() => serviceSettings(config, { PORT: '70000' })).toThrow(/PORT/);
    expect(() => serviceSettings(config, { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    const bad = structuredClone(config);
    (bad.pool as { size: number }).size = 0;
    expect(() => serviceSettings(bad, {})).toThrow(/pool\.size/);
    const badNice = structuredClone(config);
    (badNice.pool as { niceness: number }).niceness = 20;
    expect(() => serviceSettings(badNice, {})).toThrow(/pool\.niceness/);
    const badToken = structuredClone(config);
    (badToken.auth as { tokens: unknown[] }).tokens = [{ name: 'ci', scope: 'write', sha256: 'not-hex' }];
    expect(() => serviceSettings(badToken, {})).toThrow(/auth\.tokens\.0\.sha256/);
  });
});

describe('pool.resourceLimits (issue 14 item 4)', () => {
  it('defaults to a 2 GB heap per analysis worker and refuses unknown or non-positive limits', async () => {
    const config = loadConfig();
    expect(serviceSettings(config, {}).pool.resourceLimits).toEqual({ maxOldGenerationSizeMb: 2048 });
    const bad = (limits: unknown) => serviceSettings({ ...config, pool: { ...(config.pool as object), resourceLimits: limits } }, {});
    expect(() => bad({ maxOldGenerationSizeMb: 0 })).toThrow(/pool\.resourceLimits\.maxOldGenerationSizeMb/);
    expect(() => bad({ maxHeap: 10 })).toThrow(/pool\.resourceLimits/);
  });
});
