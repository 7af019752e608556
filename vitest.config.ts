import { defineConfig } from 'vitest/config';

// MaxMind's test databases live outside the repository (never copied in): their conformance test
// runs where GEOIP_FIXTURES_DIR points at them, as .ci/run does, and fails if they are not there.
const conformance = 'test/geoip/maxmind-conformance.test.ts';

// Integration tests start private MariaDB servers and real processes: give them room on 2 cores.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...(process.env.GEOIP_FIXTURES_DIR ? [] : [conformance])],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
  },
});
