/**
 * Whether a task that is not persisted is ended when its lanes dies by SIGKILL (a parent-death watch in the
 * group launcher). Each front end says its default: `lanes mcp` ends its tasks (its client owns its life, and
 * a client killed with its process group must not leave them running), the REPL and `-p` leave them to be
 * adopted by the next lanes (`--continue` delivers their results). LANES_END_WITH_OWNER=1 or 0 overrides.
 */
export function endsWithLanes(frontEndDefault: boolean, env: NodeJS.ProcessEnv): boolean {
  const chosen = env.LANES_END_WITH_OWNER;
  if (chosen === "1") return true;
  if (chosen === "0") return false;
  return frontEndDefault;
}
