import { readdirSync, readFileSync } from "node:fs";
import type { LaneManager } from "../../src/lanes/lane-manager.js";
import { HOLDER_AT } from "../../src/sandbox/held-sandboxes.js";
import { eventually } from "./temp-workspace.js";

function argvOf(pid: number | string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
  } catch {
    return [];
  }
}

/**
 * The bubblewraps running for a workspace (its path is in their arguments); `held`: only held sandboxes'
 * (`--as-pid-1`), or only commands' own.
 */
export function bwrapsFor(workspace: string, held?: boolean): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      const argv = argvOf(entry);
      const holder = argv.includes("--as-pid-1");
      return (
        argv[0]?.endsWith("bwrap") && argv.includes(workspace) && (held === undefined || held === holder)
      );
    })
    .map(Number);
}

/** The host pids of the workspace's holders' perl (pid 1 in each held sandbox), once they run. */
export function holderPerls(workspace: string): number[] {
  return bwrapsFor(workspace, true).flatMap((pid) => {
    try {
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").split(" ").filter(Boolean);
      return children.filter((child) => argvOf(child)[0]?.startsWith("lanes-sandbox-holder")).map(Number);
    } catch {
      return [];
    }
  });
}

/** Whether a held sandbox for the workspace is up: its holder's perl runs (it says ready as it starts). */
function holderUp(workspace: string): boolean {
  return holderPerls(workspace).length > 0;
}

/**
 * HOLDER_AT commands one after the other (the last starts the layout's held sandbox, all run in bubblewraps of
 * their own), then waits until the holder is up, so the next commands enter it.
 */
export async function warmHeldSandbox(lanes: LaneManager, workspace: string): Promise<boolean> {
  for (let i = 0; i < HOLDER_AT; i++) await lanes.whenEnded(lanes.start({ command: "true" }).id);
  return eventually(() => holderUp(workspace), 10_000);
}
