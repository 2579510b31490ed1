import { EXIT_FILE_WRAPPER } from "./command-plan.js";
import { trappedCommand } from "./trapping-shell.js";

/**
 * Whether a process running this command line (NUL-separated, as /proc/PID/cmdline) is one of lanes' own
 * shells whose TERM trap only holds the TERM for the command it runs: the exit-file wrapper (its traps note the
 * signal) and the command's trapping shell (`exit $?` once its program ends), unless the command sets a trap of
 * its own. What such a shell starts after the TERM is the command, which never got it, not a trap's cleanup: a
 * TERM landing in its fork (the kernel restarts the fork once the trap has noted it) starts the command late.
 */
export function relaysTerm(cmdline: string): boolean {
  const [, flag, script = ""] = cmdline.split("\0");
  if (flag !== "-c") return false;
  if (script === EXIT_FILE_WRAPPER) return true;
  const command = trappedCommand(script);
  // A command that sets a trap (its own TERM handler) may be cleaning up: its children are left alone.
  return command !== undefined && !/\btrap\b/.test(command);
}
