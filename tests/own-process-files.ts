/**
 * Test files that run in a fresh worker process each (vitest's `isolate`), while the rest share workers and
 * the modules loaded in them. Each of these measures or changes the process itself, so a file run before it
 * in the same process could hide a fault or cause one.
 */
export const OWN_PROCESS_FILES: readonly string[] = [
  // RSS growth while output floods in: a heap already grown by earlier files would absorb a leak.
  "tests/reliability/bad-input.test.ts",
  "tests/reliability/load.test.ts",
  "tests/lanes/lane-manager.test.ts",
  "tests/tools/read-file.test.ts",
  // Counts the process's pending timers, exit listeners, or /proc scans (a module's counter for the process).
  "tests/async/delay.test.ts",
  "tests/sandbox/process-ownership.test.ts",
  "tests/process/group-exit-scans.test.ts",
  // Loads its own copies of modules (vi.resetModules), which would replace the shared ones.
  "tests/agents/agent-probe.test.ts",
  // Mocks a module (the fork server's pipes) that the files sharing a worker load for real.
  "tests/process/fork-server-stdin.test.ts",
  // Replaces globalThis.fetch for the whole process, and imports another test file's cases.
  "tests/model/provider-faults-light-http.test.ts",
];
