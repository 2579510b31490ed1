import { describe, expect, it } from "vitest";
import { MoveRequests } from "../../src/cli/repl/turn.js";

const settled = async (promise: Promise<void>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setTimeout(resolve, 0));
  return done;
};

describe("MoveRequests (Ctrl+B for the bash tool)", () => {
  it("releases the running command's hook", async () => {
    const moves = new MoveRequests();
    const hook = moves.next();
    expect(await settled(hook)).toBe(false);
    moves.fire();
    expect(await settled(hook)).toBe(true);
  });

  it("keeps a Ctrl+B pressed before the tool asked for its hook, for that call only", async () => {
    const moves = new MoveRequests();
    moves.fire();
    expect(await settled(moves.next())).toBe(true);
    expect(await settled(moves.next())).toBe(false);
  });

  it("forgets a request once the command ended, so it cannot move the next one", async () => {
    const moves = new MoveRequests();
    moves.fire();
    moves.clear();
    expect(await settled(moves.next())).toBe(false);
  });
});
