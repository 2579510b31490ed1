import type { Command } from "commander";
import { UsageError } from "../config/usage-error.js";
import type { MainOptions } from "./options.js";

/** The command and its parents up to `lanes` itself, outermost first. */
function chain(command: Command): Command[] {
  const commands: Command[] = [];
  for (let current: Command | null = command; current; current = current.parent) commands.unshift(current);
  return commands;
}

/** `lanes tasks kill`, as the user types it. */
export function commandName(command: Command): string {
  return chain(command)
    .map((c) => c.name())
    .join(" ");
}

/**
 * The flags a subcommand runs with: those given before it (`lanes --cwd X tasks`) and its own
 * (`lanes tasks --cwd X`), the nearer winning. A flag of the main command that the subcommand does not take
 * (`lanes --model X mcp`) is an error, not silently ignored.
 */
export function commandOptions(command: Command): MainOptions {
  const commands = chain(command);
  const [program] = commands;
  const accepted = new Set(commands.slice(1).flatMap((c) => c.options.map((o) => o.attributeName())));
  for (const option of program?.options ?? []) {
    const key = option.attributeName();
    if (program?.getOptionValueSource(key) === "cli" && !accepted.has(key))
      throw new UsageError(`${option.long ?? option.flags} does not apply to ${commandName(command)}`);
  }
  const merged: Record<string, unknown> = {};
  for (const c of commands)
    for (const [key, value] of Object.entries(c.opts())) if (value !== undefined) merged[key] = value;
  return merged as unknown as MainOptions;
}
