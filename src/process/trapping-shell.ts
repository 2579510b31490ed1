import { readFileSync } from "node:fs";

// Under the perl recorder the shell still catches TERM/INT/HUP while its foreground program runs, so a program
// that ignores TERM and exits 7 is recorded 7, not the shell's own 143. It sets the trap first thing: a signal
// before that ends it by the default action (the command never started), none can fall between. Its
// `exit $?` has one blind spot: a TERM that finds it between two commands exits with the previous one's status.
// It keeps `exit $?` only for a signal lanes sent (ending-marker.ts: the mark is there); one the command sent
// itself (`kill -TERM $$`, `kill 0`) is re-raised, so the shell dies of it as a plain `sh -c` does. Without a
// mark named (no exit file), `exit $?` as before. The mark's name is taken out of the environment: the
// command sees the environment it was given.
// The command follows on the trap's line, not through `eval`: its errors then read as a plain `sh -c`'s
// ("sh: 1: foo: not found", not "sh: 1: eval: foo: not found"), line numbers included.
export const TRAP_PREFIX =
  "__lanes_e=${LANES_TASK_ENDING-}; unset LANES_TASK_ENDING; " +
  '__lanes_trap() { __lanes_t=$?; [ -z "$__lanes_e" ] || [ -e "$__lanes_e" ] || { trap - "$1"; kill -s "$1" $$; }; exit $__lanes_t; }; ' +
  "trap '__lanes_trap TERM' TERM; trap '__lanes_trap INT' INT; trap '__lanes_trap HUP' HUP; ";

/** What the sandbox's wrapper puts before the trap: its child takes the log back as its stderr. */
export const STDERR_BACK = "exec 2>&4 4>&-; ";

/** The trapping shell's `-c` script for `command`. */
export function trappingScript(command: string): string {
  return TRAP_PREFIX + command;
}

/** The command a trapping shell's `-c` script runs (what follows lanes' prefix); undefined for any other script. */
export function trappedCommand(script: string): string | undefined {
  const prefix = [TRAP_PREFIX, STDERR_BACK + TRAP_PREFIX].find((start) => script.startsWith(start));
  return prefix === undefined ? undefined : script.slice(prefix.length);
}

/** How deep below a group's leader the command's shell is: perl, or bwrap, its init and the wrapper shell. */
const MAX_DEPTH = 6;

function children(pid: number): number[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter(Boolean).map(Number);
  } catch {
    return undefined;
  }
}

function isTrappingShell(pid: number): boolean {
  try {
    const script = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0")[2] ?? "";
    return trappedCommand(script) !== undefined;
  } catch {
    return false;
  }
}

/**
 * Whether the command's shell below `leader` runs no program right now (it is between two commands, or in a
 * builtin loop), so a TERM sent now ends it through its trap with whatever status came before: the TERM is
 * then what ended the task. Undefined when that shell or its children cannot be seen (not started yet, gone,
 * no /proc/PID/task/TID/children). A few /proc reads down the leader's line, no scan of every process.
 */
export function trappingShellIdle(leader: number): boolean | undefined {
  let level = [leader];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    const next: number[] = [];
    for (const pid of level) {
      if (!isTrappingShell(pid)) {
        next.push(...(children(pid) ?? []));
        continue;
      }
      const running = children(pid);
      return running === undefined ? undefined : running.length === 0;
    }
    level = next;
  }
  return undefined;
}
