import { defineConfig } from 'vitest/config';

// Tests start real servers (gateway, simulator, redis-server, prometheus) on loopback ports,
// so generous timeouts; file-level parallelism is capped for 2-core CI machines.
export default defineConfig({
  test: {
    include: [
      'gateway/**/*.test.ts',
      'loadtest/**/*.test.ts',
      'eval/**/*.test.ts',
      'bench/**/*.test.ts',
      'charts/**/*.test.ts',
      'grafana/**/*.test.ts',
      'docs/**/*.test.ts',
      'docker/**/*.test.ts',
    ],
    exclude: ['node_modules/**', 'dist/**', '.venv/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
