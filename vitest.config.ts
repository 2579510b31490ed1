import { defineConfig } from "vitest/config";
import { SlowFirstSequencer } from "./tests/slow-first-sequencer.js";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Builds the CLI once per run: CLI tests spawn the bundle, as users run it.
    globalSetup: ["./tests/build-cli.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: real processes and timing-sensitive overlap checks suffer when oversubscribed.
    maxWorkers: 2,
    // Known slow files start first, so no long file runs alone at the end (tests/slow-files.ts).
    sequence: { sequencer: SlowFirstSequencer },
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line any CI can read.
    reporters: ["default", "json", "./tests/reliability-reporter.ts"],
    outputFile: { json: "coverage/vitest-results.json" },
  },
});
