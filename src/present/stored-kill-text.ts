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
      return `${killedTask(`${id} on ${kill.host}`, statusPhrase(kill.record))}.`;
    case "remote-elsewhere":
      return `Task ${id} runs on ${kill.host}: its lanes (pid ${kill.ownerPid}) ends it there.`;
    case "not-running":
      return `Task ${id} is not running any more; nothing was signalled.`;
    case "killed": {
      if (!kill.record) return `Killed task ${id} (process group ${kill.pgid}); its lanes records the end.`;
      return `${killedTask(id, statusPhrase(kill.record))}; its process group ${kill.pgid} is gone.`;
    }
  }
}

/** "killed by the user (…)" is said once: `Killed task ID by the user (…)`; another end follows a colon. */
function killedTask(task: string, phrase: string): string {
  const rest = phrase.startsWith("killed") ? phrase.slice("killed".length) : `: ${phrase}`;
  return `Killed task ${task}${rest}`;
}
