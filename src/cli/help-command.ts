import type { Command } from "commander";
import { UsageError } from "../config/usage-error.js";
import { closest } from "./suggest.js";

/**
 * `lanes help [CMD]`: the help of lanes or of one command, on stdout. An unknown name is one usage line
 * naming the commands (commander's own help command printed the whole help to stderr, then "(outputHelp)").
 */
export function showHelp(program: Command, name: string | undefined): void {
  if (name === undefined) return void program.outputHelp();
  const visible = program.createHelp().visibleCommands(program);
  const command = visible.find((candidate) => candidate.name() === name);
  if (command !== undefined) return void command.outputHelp();
  const names = visible.map((candidate) => candidate.name()).filter((candidate) => candidate !== "help");
  const guess = closest(name, names);
  const didYouMean = guess === undefined ? "" : `did you mean lanes ${guess}? `;
  throw new UsageError(`"${name}" is not a command: ${didYouMean}the commands are ${names.join(", ")}`);
}
