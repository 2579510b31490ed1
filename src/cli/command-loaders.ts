// Command modules load on demand: `lanes --version` or `lanes tasks` should not pay for every SDK, and
// `--version`/`--help` not even for zod (the configuration schema).
export const load = {
  config: () => import("../config/config.js"),
  demo: () => import("./demo.js"),
  print: () => import("./print-mode.js"),
  repl: () => import("./repl/repl.js"),
  run: () => import("./run-command.js"),
  sandbox: () => import("./sandbox-command.js"),
  sessionList: () => import("./session-listing.js"),
  mcp: () => import("./mcp-command.js"),
  setup: () => import("./workspace-setup.js"),
  trust: () => import("./trust-command.js"),
  trustQuestion: () => import("./repl/trust-question.js"),
  tasks: () => import("./tasks-command.js"),
  doctor: () => import("./doctor.js"),
  completion: () => import("./completion.js"),
  root: () => import("../config/workspace-root.js"),
  wide: () => import("./wide-workspace.js"),
  prompt: () => import("./print-prompt.js"),
  agentWorker: () => import("./agent-worker-command.js"),
};
