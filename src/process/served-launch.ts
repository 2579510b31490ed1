import { ForkServerRefused } from "./fork-server.js";
import type { ForkServerSource } from "./fork-server-slot.js";
import type { Launch } from "./own-group-launch.js";
import type { ServedLeader } from "./served-leader.js";

export type { ForkServerSource } from "./fork-server-slot.js";

/** What a launch through the server needs of spawnInGroup's options. */
interface ServedOptions {
  cwd: string;
  outputFile: string;
  exitFile?: string | undefined;
  stdin: "pipe" | "ignore" | "inherit";
  mirror?: unknown;
  forkServer?: ForkServerSource | undefined;
}

/**
 * Starts the server (if it will serve this launch and none runs) before the sandbox wraps the command: a
 * first start's perl then comes up while the sandbox sets up (its network holder, its mount points),
 * instead of after it, with the launch waiting for it.
 */
export function serverAhead(options: ServedOptions): void {
  const { forkServer, stdin } = options;
  if (forkServer && !options.mirror && stdin !== "inherit") forkServer.get();
}

/**
 * The launch forked by the fork server, or undefined when it must be spawned: no server, a command attached
 * to lanes' terminal or mirrored through pipes (descriptors only lanes holds), or a server that refused.
 */
export function servedLaunch(options: ServedOptions, launch: Launch): ServedLeader | undefined {
  const { forkServer, stdin } = options;
  if (!forkServer || options.mirror || stdin === "inherit" || !launch.script) return undefined;
  const server = forkServer.get();
  if (!server) return undefined;
  try {
    const { cwd, outputFile, exitFile } = options;
    return server.launch({ script: launch.script, env: launch.env, cwd, outputFile, exitFile, stdin });
  } catch (error) {
    if (error instanceof ForkServerRefused) {
      forkServer.refused?.(error.message);
      return undefined;
    }
    throw error;
  }
}
