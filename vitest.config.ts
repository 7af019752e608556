import { defineConfig } from 'vitest/config';

// Integration tests start private MariaDB servers and real processes: give them room on 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
