/**
 * Test files known to be slow (6 s or more), with the seconds each took in a fresh-clone CI run (2 cores, 2
 * workers): the 16 slowest from the run of 2026-12-06 15:28, the rest from the run of 10:03. The sequencer
 * starts these first, longest first, so the run does not end with one worker busy on a long file while the
 * other idles. Exact figures matter little: the order does. A file that grows slow belongs here; a renamed or
 * removed one is caught by tests/slow-files.test.ts.
 */
export const SLOW_FILE_SECONDS: Readonly<Record<string, number>> = {
  "tests/reliability/bad-input.test.ts": 28,
  "tests/reliability/orphans.test.ts": 26,
  "tests/remote/slurm-lane-faults.test.ts": 25,
  "tests/sandbox/plants.test.ts": 24,
  "tests/reliability/security.test.ts": 22,
  "tests/e2e/leftover-claims.test.ts": 22,
  "tests/cli/edges.test.ts": 21,
  "tests/mcp/cancel-sweep.test.ts": 17,
  "tests/repl/task-truth-terminal.test.ts": 16,
  "tests/remote/ssh-lane-faults.test.ts": 14,
  "tests/reliability/load.test.ts": 13,
  "tests/e2e/try-it.test.ts": 13,
  "tests/mcp/server.test.ts": 13,
  "tests/repl/repl-terminal.test.ts": 13,
  "tests/repl/approval-terminal.test.ts": 13,
  "tests/remote/ssh-lane-kill.test.ts": 12,
  "tests/e2e/durable-tasks.test.ts": 12,
  "tests/sandbox/modes.test.ts": 12,
  "tests/remote/slurm-over-ssh.test.ts": 12,
  "tests/process/term-sweep.test.ts": 11,
  "tests/remote/slurm-lane-kill.test.ts": 11,
  "tests/reliability/api-faults.test.ts": 11,
  "tests/cli/first-hour.test.ts": 10,
  "tests/reliability/soak-short.test.ts": 10,
  "tests/repl/agent-status-terminal.test.ts": 10,
  "tests/remote/ssh-connection-share.test.ts": 9,
  "tests/sandbox/ports.test.ts": 9,
  "tests/mcp/dropped-reply.test.ts": 9,
  "tests/e2e/derived-truth.test.ts": 9,
  "tests/repl/agent-approval-terminal.test.ts": 8,
  "tests/tools/background-tools.test.ts": 8,
  "tests/agents/many-agents.test.ts": 8,
  "tests/sandbox/shutdown-entry.test.ts": 7,
  "tests/repl/approval-prompt.test.ts": 7,
  "tests/e2e/parent-death.test.ts": 7,
  "tests/sandbox/cli-sandbox.test.ts": 7,
  "tests/lanes/fork-server.test.ts": 6,
  "tests/agents/worktree.test.ts": 6,
  "tests/lanes/slot-reclaim-race.test.ts": 6,
};
