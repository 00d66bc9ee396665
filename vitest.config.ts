import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (no root, no network) and integration tests against the
// practice lab (real sshd nodes in network namespaces). Integration files share one lab,
// brought up once by the global setup, so they run one file at a time.
// Spawned CLIs print plain text under test: picocolors turns colours on whenever CI is set.
process.env.NO_COLOR = '1';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['electron/**/*.test.ts', 'renderer/**/*.test.{ts,tsx}', 'test/unit/**/*.test.ts', 'scripts/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/integration/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
