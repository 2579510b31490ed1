import { homedir } from "node:os";
import { join } from "node:path";

/** lanes' cache folder: $XDG_CACHE_HOME/lanes, else ~/.cache/lanes. Code in it runs outside the sandbox. */
export function lanesCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(env.HOME ?? homedir(), ".cache"), "lanes");
}
