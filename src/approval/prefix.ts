import { parse, type ShellCommand } from "../shell/parse.js";
import { readsOnly } from "./read-only.js";

/** Programs whose second word is a subcommand (`git push`, `npm test`): the widest rule ever offered. */
const WITH_SUBCOMMANDS = new Set([
  "git",
  "npm",
  "pnpm",
  "yarn",
  "bun",
  "deno",
  "cargo",
  "go",
  "make",
  "docker",
  "podman",
  "kubectl",
  "helm",
  "terraform",
  "gh",
  "pip",
  "pip3",
  "poetry",
  "uv",
  "pdm",
  "dotnet",
  "mvn",
  "gradle",
  "composer",
  "bundle",
  "mix",
  "rustup",
  "brew",
  "apt",
  "apt-get",
  "systemctl",
]);

/** Subcommands that run whatever command follows them: remembering them would allow anything. */
const RUNS_ANYTHING = new Set(["exec", "x", "dlx", "run", "shell", "eval"]);
/** `npm run build`, `cargo run`, `make run`: their `run` starts the project's own script. */
const PROJECT_RUN = new Set(["npm", "pnpm", "yarn", "bun", "cargo", "go", "make", "deno", "dotnet", "mix"]);

const SUBCOMMAND = /^[a-z][a-z0-9-]*$/;

/** A command a remembered rule can cover next time as written: no $(...), no output to a file. */
function plain(command: ShellCommand): boolean {
  return command.substitutions.length === 0 && command.outputs.every((target) => target === "/dev/null");
}

/**
 * What "yes, and don't ask again" may remember for a line: its program and subcommand (`npm test`,
 * `git push`), or undefined, when that would be broader than the command itself (`curl URL`, `id`,
 * `sudo ...`, `npm exec ...`) or would not cover the line next time (pipes, several commands, $(...)).
 * `readers: "count"` (approval untrusted) lets known readers stand beside the command (`cd web && npm test`).
 */
export function suggestPrefix(commandLine: string, readers: "count" | "ignore"): string | undefined {
  const commands = parse(commandLine)
    .flat()
    .filter((command) => readers === "ignore" || !readsOnly(command));
  const [command] = commands;
  if (commands.length !== 1 || command === undefined || !plain(command)) return undefined;
  const [program = "", subcommand = ""] = command.words;
  if (!WITH_SUBCOMMANDS.has(program) || !SUBCOMMAND.test(subcommand)) return undefined;
  if (RUNS_ANYTHING.has(subcommand) && !(subcommand === "run" && PROJECT_RUN.has(program))) return undefined;
  return `${program} ${subcommand}`;
}
