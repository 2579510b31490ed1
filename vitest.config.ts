import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: real processes and timing-sensitive overlap checks suffer when oversubscribed.
    maxWorkers: 2,
    reporters: ["default", "./tests/reliability-reporter.ts"],
  },
});
