/** How a command is started: the program, its arguments and environment. */
export interface SpawnPlan {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Called once after the spawned process has exited (or failed to spawn): the sandbox's mount points go. */
  release?: () => void;
}

/**
 * Turns a plan into the one actually spawned (the OS sandbox wraps it in bubblewrap). It may throw: the
 * message becomes the command's spawn error, one line saying why and how to fix it; nothing then runs.
 * Whatever it wraps must keep the process group, the signals, stdin, the output descriptors and the
 * exit-code descriptor (fd 3) of the plan it was given.
 */
export interface LaunchWrapper {
  wrap(plan: SpawnPlan, cwd: string): SpawnPlan;
}
