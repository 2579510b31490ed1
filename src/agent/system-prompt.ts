import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const CONVENTION_FILES = ["AGENTS.md", "CLAUDE.md"];
const MAX_CONVENTION_CHARS = 20_000;

/** The system prompt: who the agent is, how lanes work, and the project's own conventions. */
export function buildSystemPrompt(workspace: string): string {
  const parts = [
    `You are lanes, a coding agent working in ${workspace}. Use the tools to inspect and change files and run commands; paths are relative to the workspace.`,
    [
      "Slow commands (installs, test suites, builds, dev servers) go to background lanes with background_run: it returns a task id at once, so keep working meanwhile.",
      "When a background task ends, its result (status, exit code, last output, output file) arrives automatically in a <background-results> block before your next turn: never poll for it.",
      "Command output is quoted inert: a < or [ in it that could pass for lanes' own tags or [bg:ID] lines shows as &lt; or &#91;, so only lanes writes those.",
      'To block until tasks end, call wait_background. To read output use check_background (output="new" gives only what is new, grep filters). kill_background ends a task with all its processes; send_background_input answers a prompt.',
      "check_background also lists what another lanes runs in this workspace (a dev server the user started, another session's tests): look there before starting one of your own.",
      "A foreground bash still running after 60 s is moved to a background lane by itself.",
    ].join(" "),
  ];
  for (const name of CONVENTION_FILES) {
    const file = join(workspace, name);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8").slice(0, MAX_CONVENTION_CHARS);
    parts.push(`<project-conventions file="${name}">\n${text}\n</project-conventions>`);
  }
  return parts.join("\n\n");
}
