import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'contract-tests/**/*.test.ts'],
    // End-to-end suites start real processes; nothing here waits on wall-clock timing.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Type tests (*.test-d.ts): tsc checks each expectTypeOf as a test of its own on every run.
    typecheck: {
      enabled: true,
      include: ['test/**/*.test-d.ts'],
      tsconfig: 'tsconfig.json',
    },
  },
});
