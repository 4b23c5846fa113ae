import { defineConfig } from "vitest/config";

// Three projects: unit tests beside the code; integration tests in test/ against the test bed
// (real Pulumi engine, emulated clouds, real SSH, Chromium); and slow suites, run by
// `npm run test:slow`, that `npm test` leaves out.
export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "hono/jsx" },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["{stacks,engine,server,views,state}/**/*.test.{ts,tsx}"],
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
