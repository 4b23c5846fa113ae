import { defineConfig } from "vitest/config";

// Three projects: unit tests beside the code; integration tests in test/ against the test bed
// (real Pulumi engine, emulated clouds, real SSH, Chromium); and slow suites, run by
// `npm run test:slow`, that `npm test` leaves out.
// Besides the console output, every run leaves a JSON report named after the npm script
// (test/artifacts/vitest-test.json, vitest-test-slow.json) for .ci/run to add up.
const report = `test/artifacts/vitest-${(process.env.npm_lifecycle_event ?? "run").replace(/[^a-z0-9]+/gi, "-")}.json`;

export default defineConfig({
  test: {
    reporters: ["default", ["json", { outputFile: report }]],
    // Files side by side: most of an integration file's time is spent waiting (on the engine,
    // emulated action durations, SSH dials), and vitest's default on 2 cores is one at a time.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{stacks,engine,gateway,server,views,state}/**/*.test.{ts,tsx}"],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.{ts,tsx}"],
          exclude: ["test/**/*.slow.test.{ts,tsx}", "**/node_modules/**"],
          globalSetup: ["test/setup/global.ts"],
          testTimeout: 180_000,
          hookTimeout: 900_000,
        },
      },
      {
        extends: true,
        test: {
          name: "slow",
          include: ["test/**/*.slow.test.{ts,tsx}"],
          globalSetup: ["test/setup/global.ts"],
          testTimeout: 600_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
