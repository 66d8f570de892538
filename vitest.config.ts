import { defineConfig } from 'vitest/config';

// Two layers (STYLE.md 14): co-located unit tests, and tests under test/ that drive real servers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'core/**/*.test.ts', 'cli/**/*.test.ts', 'mcp-server/**/*.test.ts', 'collector/**/*.test.ts',
            'operator/**/*.test.ts', 'crds/**/*.test.ts', 'infra/**/*.test.ts',
          ],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/env/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
