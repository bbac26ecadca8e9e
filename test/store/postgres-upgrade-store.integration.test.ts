import { inject } from 'vitest';
import { PostgresClient } from '../../src/store/pg/postgres-client.ts';
import { createTestDatabase } from './pg-test-database.ts';
import { upgradeStoreSuite } from './upgrade-store-suite.ts';

let drop: (() => Promise<void>) | undefined;
upgradeStoreSuite('PostgreSQL', {
  open: async () => {
    const db = await createTestDatabase(inject('postgresAdminUrl'), 'aftershock_upgrades');
    drop = db.drop;
    return new PostgresClient(db.url);
  },
  cleanup: async () => drop?.(),
});
