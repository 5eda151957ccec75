import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure TypeScript, fast), `models` (ONNX contract/parity in Node) and `e2e`
 * (builds the app once, serves dist/ with COOP/COEP, drives /usr/bin/chromium). `npm test` runs all three;
 * `npm run test:unit` only the first.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'models',
          environment: 'node',
          include: ['test/models/**/*.test.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/globalSetup.ts'],
          // One browser at a time: the CI machine has two cores and the page needs one of them to animate.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
