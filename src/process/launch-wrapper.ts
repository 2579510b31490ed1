/** How a command is started: the program, its arguments and environment. */
export interface SpawnPlan {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /**
   * Namespaces (`/proc/PID/ns/...` paths) the group launcher enters, in this order, before it execs `file`:
   * the sandbox's shared network, without an nsenter exec per command. Only set where
   * launcherEntersNamespaces() says the launcher can.
   */
  namespaces?: string[];
  /**
   * Set when `namespaces` are a held sandbox's (a session's bubblewrap that stays up, mount and pid namespaces
   * included): the launcher enters them, goes to this folder and drops every capability before the command.
   */
  sandboxCwd?: string;
  /** Called once after the spawned process has exited (or failed to spawn): the sandbox's mount points go. */
  release?: () => void;
  /** Told the launcher's pid once spawned: the sandbox's close waits for it to enter `namespaces`. */
  spawned?: (pid: number) => void;
}

/**
 * Turns a plan into the one actually spawned (the OS sandbox wraps it in bubblewrap). It may throw: the
 * message becomes the command's spawn error, one line saying why and how to fix it; nothing then runs.
 * Whatever it wraps must keep the process group, the signals, stdin, the output descriptors and the
 * exit-code descriptor (fd 3) of the plan it was given.
 */
export interface LaunchWrapper {
  wrap(plan: SpawnPlan, cwd: string): SpawnPlan;
  /**
   * The plan run inside a sandbox that is already up, entered by the group launcher itself (no bubblewrap
   * per command), or undefined when this command must be wrapped instead. It may throw as wrap does.
   */
  enter?(plan: SpawnPlan, cwd: string): SpawnPlan | undefined;
  /**
   * True when nothing a wrapped command starts can leave it (a pid namespace of its own, whose init is in the
   * group, so the group's TERM then KILL at the leader's exit tears it all down): no /proc sweep for escapees.
   */
  readonly containsProcesses?: boolean;
  /** Ends what the wrapper started for its commands (a proxy, a namespace holder); its owner calls it once done. */
  close?(): void;
}
