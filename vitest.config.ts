import { defineConfig } from 'vitest/config';

// Integration tests (*.integration.test.ts) start real servers through the global setups in
// test/setup/; each setup installs what it needs (Debian packages, test-only npm folders) itself.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 240_000,
    globalSetup: ['test/setup/global-setup.ts'],
    pool: 'forks',
    reporters: ['default'],
  },
});
