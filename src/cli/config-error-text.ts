import type { ConfigError } from "../config/config.js";
import type { ConfigProblem } from "../config/config-problem.js";
import { closest } from "./suggest.js";

const SETTINGS = `the settings and their defaults are in the README's "Settings" table`;

/** A value as the file holds it, cut short: `"two"`, `-1`, `[1,2,…`. */
function shown(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** One problem and its fix, on one line. */
export function problemLine(problem: ConfigProblem): string {
  switch (problem.kind) {
    case "unreadable":
      return `cannot be read (${problem.reason}): fix its permissions, or remove it`;
    case "not_json": {
      // V8's words for the two most common hand-edit slips: a trailing comma and a comment.
      const slip = /property name|Unexpected token '?\/|Unexpected token '?}/.test(problem.reason)
        ? " (a trailing comma or a comment? JSON allows neither)"
        : "";
      const where = problem.line === undefined ? "" : ` at line ${problem.line}, column ${problem.column}`;
      return `not valid JSON${where}: ${problem.reason}${slip}`;
    }
    case "not_object":
      return `not a JSON object: the file holds one object, e.g. {"default_lane_limit": 4}`;
    case "unknown_key": {
      const name = problem.key.split(".").at(-1) ?? problem.key;
      const guess = closest(name, problem.known);
      const fix = guess ? `did you mean "${guess}"?` : "remove it";
      return `"${problem.key}" is not a setting: ${fix}`;
    }
    case "bad_value": {
      const found = problem.got === undefined ? "is missing" : `is ${shown(problem.got)}`;
      const fallback =
        problem.fallback === undefined ? "" : ` (or remove it for the default ${shown(problem.fallback)})`;
      return `${problem.key || "the file"} ${found}: expected ${problem.expected}${fallback}`;
    }
  }
}

/** What the CLI prints for a config file it cannot use: the file, each key with its fix, where to read more. */
export function configErrorText(error: ConfigError): string {
  const lines = error.problems.map((problem) => `  ${problemLine(problem)}`);
  return [`lanes: ${error.file} is not a valid configuration:`, ...lines, `  (${SETTINGS})`].join("\n");
}
