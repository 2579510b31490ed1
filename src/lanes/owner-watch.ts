/**
 * Whether a task that is not persisted is ended when its lanes dies by SIGKILL (a parent-death watch in the
 * group launcher). Opt-in for now (LANES_END_WITH_OWNER=1): by default a crashed lanes' tasks run on and the
 * next lanes adopts them, as README and docs/RELIABILITY.md promise; flipping that default changes that promise.
 */
export function endsWithLanes(): boolean {
  return process.env.LANES_END_WITH_OWNER === "1";
}
