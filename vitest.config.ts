import { defineConfig } from "vitest/config";
import { OWN_PROCESS_FILES } from "./tests/own-process-files.js";
import { SlowFirstSequencer } from "./tests/slow-first-sequencer.js";

/** What both projects share (extends: true would also re-run the root's globalSetup once per project). */
const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
  // Ends each file's CLI runs and removes its temp HOME, also where helper modules outlive a file.
  setupFiles: ["./tests/file-cleanup.ts"],
};

/** LANES_TEST_ISOLATE=1: every file in a fresh process again (to rule out one file disturbing the next). */
const everyFileAlone = process.env.LANES_TEST_ISOLATE === "1";

export default defineConfig({
  test: {
    // Builds the CLI once per run: CLI tests spawn the bundle, as users run it. The root's globalSetup runs
    // once for all projects and they inherit what it provides.
    globalSetup: ["./tests/build-cli.ts"],
    // Two cores: real processes and timing-sensitive overlap checks suffer when oversubscribed.
    maxWorkers: 2,
    // Known slow files start first, so no long file runs alone at the end (tests/slow-files.ts).
    sequence: { sequencer: SlowFirstSequencer },
    // The JSON report lets .ci/run print a plain "N passed, N failed" closing line any CI can read.
    reporters: ["default", "json", "./tests/reliability-reporter.ts"],
    outputFile: { json: "coverage/vitest-results.json" },
    projects: [
      // A fresh process per file cost ~0.65 CPU-s (fork, vitest's runtime, the imports): most files share one,
      // with modules loaded once per worker; test files themselves are always loaded afresh.
      {
        test: {
          ...common,
          name: "shared",
          include: ["tests/**/*.test.ts"],
          exclude: [...OWN_PROCESS_FILES],
          isolate: everyFileAlone,
        },
      },
      // Files that measure or change the process itself (RSS, timers, globals, the module registry).
      { test: { ...common, name: "own-process", include: [...OWN_PROCESS_FILES], isolate: true } },
    ],
  },
});
