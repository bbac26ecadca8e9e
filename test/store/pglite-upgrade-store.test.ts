import { PgliteClient } from '../../src/store/pg/pglite-client.ts';
import { upgradeStoreSuite } from './upgrade-store-suite.ts';

upgradeStoreSuite('PGlite', { open: () => PgliteClient.open('memory://') });
