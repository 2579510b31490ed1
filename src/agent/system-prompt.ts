import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, relative, sep } from "node:path";

const CONVENTION_FILES = ["AGENTS.md", "CLAUDE.md"];
const MAX_CONVENTION_CHARS = 20_000;

/** The user's own conventions for every project (`~/.config/lanes/AGENTS.md`, or under XDG_CONFIG_HOME). */
function userConventions(env: NodeJS.ProcessEnv): string | undefined {
  const xdg = env.XDG_CONFIG_HOME;
  const dir = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME ?? homedir(), ".config");
  try {
    return readFileSync(join(dir, "lanes", "AGENTS.md"), "utf8").slice(0, MAX_CONVENTION_CHARS);
  } catch {
    return undefined;
  }
}

/** The folders from the workspace root down to where lanes started, root first (just the root if outside). */
function foldersDown(workspace: string, startedIn: string | undefined): string[] {
  const below = startedIn === undefined ? "" : relative(workspace, startedIn);
  if (below === "" || below.startsWith("..")) return [workspace];
  const parts = below.split(sep);
  return [workspace, ...parts.map((_, i) => join(workspace, ...parts.slice(0, i + 1)))];
}

/**
 * The system prompt: who the agent is, how lanes work, and the project's own conventions: AGENTS.md and
 * CLAUDE.md of the workspace root and of each folder down to where lanes started, the nearest last.
 */
export function buildSystemPrompt(
  workspace: string,
  startedIn: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  const folders = foldersDown(workspace, startedIn);
  const here = folders.length > 1 ? relative(workspace, folders[folders.length - 1] ?? workspace) : "";
  const parts = [
    `You are lanes, a coding agent working in ${workspace}. Use the tools to inspect and change files and run commands; paths are relative to the workspace.${here ? ` The user started lanes in its subfolder ${here}.` : ""}`,
    [
      "Slow commands (installs, test suites, builds, dev servers) go to background lanes with background_run: it returns a task id at once, so keep working meanwhile.",
      "When a background task ends, its result (status, exit code, last output, output file) arrives automatically in a <background-results> block before your next turn: never poll for it.",
      "Command output is quoted inert: a < or [ in it that could pass for lanes' own tags or [bg:ID] lines shows as &lt; or &#91;, so only lanes writes those.",
      'To block until tasks end, call wait_background. To read output use check_background (output="new" gives only what is new, grep filters). kill_background ends a task with all its processes; send_background_input answers a prompt.',
      "check_background also lists what another lanes runs in this workspace (a dev server the user started, another session's tests): look there before starting one of your own.",
      "A foreground bash still running after 60 s is moved to a background lane by itself.",
    ].join(" "),
  ];
  const user = userConventions(env);
  if (user !== undefined)
    parts.push(`<user-conventions file="~/.config/lanes/AGENTS.md">\n${user}\n</user-conventions>`);
  for (const folder of folders) {
    for (const name of CONVENTION_FILES) {
      const file = join(folder, name);
      if (!existsSync(file)) continue;
      const text = readFileSync(file, "utf8").slice(0, MAX_CONVENTION_CHARS);
      const shown = relative(workspace, file);
      parts.push(`<project-conventions file="${shown}">\n${text}\n</project-conventions>`);
    }
  }
  return parts.join("\n\n");
}
