/**
 * Test files known to be slow, with the seconds each took in CI (fresh clone, 2 cores, 2 workers; remote
 * and agents from local runs). The sequencer starts these first, longest first, so the run does not end
 * with one worker busy on a long file while the other idles. Exact figures matter little: the order does.
 * A file that grows slow belongs here; a renamed or removed one is caught by tests/slow-files.test.ts.
 */
export const SLOW_FILE_SECONDS: Readonly<Record<string, number>> = {
  "tests/remote/ssh-lane-kill.test.ts": 55,
  "tests/remote/ssh-lane-faults.test.ts": 50,
  "tests/reliability/bad-input.test.ts": 44,
  "tests/agents/many-agents.test.ts": 40,
  "tests/reliability/security.test.ts": 38,
  "tests/agents/parent-crash.test.ts": 34,
  "tests/remote/slurm-lane-faults.test.ts": 32,
  "tests/agents/compaction.test.ts": 30,
  "tests/reliability/orphans.test.ts": 29,
  "tests/cli/edges.test.ts": 27,
  "tests/mcp/cancel-sweep.test.ts": 25,
  "tests/sandbox/plants.test.ts": 24,
  "tests/reliability/soak-short.test.ts": 23,
  "tests/reliability/load.test.ts": 22,
  "tests/repl/repl-terminal.test.ts": 20,
  "tests/agents/kill-subtree.test.ts": 19,
  "tests/e2e/parent-death.test.ts": 18,
  "tests/e2e/try-it.test.ts": 17,
  "tests/e2e/durable-tasks.test.ts": 16,
  "tests/sandbox/shutdown-entry.test.ts": 15,
  "tests/mcp/server.test.ts": 14,
  "tests/reliability/api-faults.test.ts": 14,
  "tests/repl/task-truth-terminal.test.ts": 14,
  "tests/remote/slurm-lane-kill.test.ts": 14,
  "tests/tools/background-tools.test.ts": 13,
  "tests/repl/approval-prompt.test.ts": 13,
  "tests/lanes/slot-reclaim-race.test.ts": 13,
  "tests/tools/other-sessions.test.ts": 13,
  "tests/repl/approval-terminal.test.ts": 12,
  "tests/remote/ssh-lane.test.ts": 12,
  "tests/e2e/derived-truth.test.ts": 12,
  "tests/mcp/dropped-reply.test.ts": 11,
  "tests/mcp/stop-edges.test.ts": 11,
  "tests/model/script-provider.test.ts": 10,
  "tests/cli/first-hour.test.ts": 10,
};
