import type { StoredKill } from "../lanes/stored-tasks.js";
import { statusPhrase } from "./task-text.js";

/** What `lanes tasks kill ID` and the REPL's /kill print about what they did. */
export function storedKillText(kill: StoredKill): string {
  const { id } = kill;
  switch (kill.kind) {
    case "already-ended":
      return `Task ${id} already ended: ${statusPhrase(kill.record)}.`;
    case "never-starts":
      return `Task ${id} had not started and never will: ${statusPhrase(kill.record)}.`;
    case "queued-elsewhere":
      return `Task ${id} is queued in a running lanes (pid ${kill.ownerPid}): it will not start, and is recorded as killed by the user when its slot frees.`;
    case "killed-remote":
      return `Killed task ${id} on ${kill.host}: ${statusPhrase(kill.record)}.`;
    case "remote-elsewhere":
      return `Task ${id} runs on ${kill.host}: its lanes (pid ${kill.ownerPid}) ends it there.`;
    case "not-running":
      return `Task ${id} is not running any more; nothing was signalled.`;
    case "killed": {
      const said = kill.record ? `: ${statusPhrase(kill.record)}` : "; its lanes records the end";
      return `Killed task ${id} (process group ${kill.pgid})${said}.`;
    }
  }
}
