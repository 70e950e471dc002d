import { defineConfig } from 'vitest/config';

// Three projects so the dev loop can run one at a time: `npm run test:unit`, `test:stacks`, `test:python`
// (integration drives real tools — pyiceberg, DuckDB, moto's server — from vitest; pytest covers dbt and Airflow).
export default defineConfig({
  test: {
    // Components log JSON at info level in production; tests keep stderr for warnings and failures.
    env: { LAKEHOUSE_LOG_LEVEL: 'warn' },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 60_000 } },
      {
        extends: true,
        test: { name: 'stacks', include: ['test/stacks/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 300_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
