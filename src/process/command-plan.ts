import { perlRecordsExitCode } from "./exit-code-perl.js";
import type { LaunchWrapper, SpawnPlan } from "./launch-wrapper.js";
import { findPerl, type LaunchOptions } from "./own-group-launch.js";
import { STDERR_BACK, TRAP_PREFIX, trappingScript } from "./trapping-shell.js";

// The fallback where perl cannot record the code (no perl, or rt_sigprocmask's number unknown), and the
// recorder inside the sandbox: a wrapper shell that runs the trapping shell above as its child, so the
// command's `$$` is that shell's (as under perl: a `kill -9 $$` ends the command, and the wrapper lives to
// record it for a lanes that sees no wait status). The command sees $# = 0 and $0 = sh. The wrapper catches
// TERM/INT/HUP (traps run only after the command ends) so a group kill cannot end it before the command, and
// re-raises the one it got when the command died of it. Known gap (issue 17), closed by the perl: a TERM
// landing between the child's fork and its exec is taken by the wrapper's trap, and only the KILL after the grace ends it.
// While it waits, the wrapper's stderr is the exit file: the line a shell prints when its child dies of a
// signal ("Killed") stays out of the log, and its presence tells that death from a chosen `exit 137` ($? is
// 128 + N either way), so the file's last line says `137 signal` as the perl's does. The child takes its
// stderr back itself: a shell prints that line to the stderr the child was started with.
export const EXIT_FILE_WRAPPER = [
  "__lanes_s=; trap __lanes_s=TERM TERM; trap __lanes_s=INT INT; trap __lanes_s=HUP HUP; exec 4>&2 2>&3",
  // The command follows on the child's line 1, spliced in inside double quotes (the trap's `$`, `"` escaped).
  `/bin/sh -c "${STDERR_BACK}${TRAP_PREFIX.replace(/[$"\\`]/g, "\\$&")}$1" sh 3>&-; __lanes_c=$?`,
  // Line 1 is parsed before its `exec 2>&4`: a syntax error there (exit 2, never above 128) went to this file,
  // and is moved to the log (a subshell taking stderr back first cost a fork: +2.7 ms CPU per task).
  'if [ -s /proc/self/fd/3 ] && [ "$__lanes_c" -gt 128 ]; then printf "%s signal\\n" "$__lanes_c" >&3',
  'else if [ -s /proc/self/fd/3 ]; then cat /proc/self/fd/3 >&4; fi; printf "%s\\n" "$__lanes_c" >&3; fi',
  'if [ -n "$__lanes_s" ] && [ "$__lanes_c" -gt 128 ]; then trap - "$__lanes_s"; kill -s "$__lanes_s" $$; fi',
  "exit $__lanes_c",
].join("; ");

/** What is spawned for a command: the plan (wrapped by the sandbox) and what the group launcher adds. */
export interface CommandPlan {
  plan: SpawnPlan;
  launch: LaunchOptions;
}

/**
 * `/bin/sh -c command`, with its exit code written to descriptor 3 when `recordExitCode`. Unsandboxed, and in
 * a held sandbox the launcher enters, the group launcher's own perl records it (one interpreter per task, and
 * no TERM is lost across its fork). With a bubblewrap per command, the wrapper shell inside it records it: a
 * recorder perl in there cost 18 ms of CPU per task (33.8 -> 52.0 ms a chain, docs/SANDBOX.md). Known gap
 * (issue 17): there a TERM landing between the wrapper's fork and the command's exec is lost, and the KILL
 * after the grace ends it.
 */
export function commandPlan(
  command: string,
  env: NodeJS.ProcessEnv,
  recordExitCode: boolean,
  sandbox: LaunchWrapper | undefined,
  cwd: string,
): CommandPlan {
  const wrap = (plan: SpawnPlan): SpawnPlan => (sandbox ? sandbox.wrap(plan, cwd) : plan);
  // Unsandboxed, or inside a sandbox that is up already (entered by the launcher): the plan as it is.
  const entered = (plan: SpawnPlan): SpawnPlan | undefined => (sandbox ? sandbox.enter?.(plan, cwd) : plan);
  if (!recordExitCode) {
    const plan = { file: "/bin/sh", args: ["-c", command], env };
    return { plan: entered(plan) ?? wrap(plan), launch: {} };
  }
  const recorded = { file: "/bin/sh", args: ["-c", trappingScript(command), "sh"], env };
  const perlRecords = findPerl() !== null && perlRecordsExitCode();
  const recordedPlan = perlRecords ? entered(recorded) : undefined;
  if (recordedPlan) return { plan: recordedPlan, launch: { recordExitCode: { argv0: "sh" } } };
  const args = ["-c", EXIT_FILE_WRAPPER, "sh", command];
  return { plan: wrap({ file: "/bin/sh", args, env }), launch: {} };
}
