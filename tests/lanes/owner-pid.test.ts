import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();
const standIns: ChildProcess[] = [];

/** A live node process, named as lanes is, whose pid a second runtime in this test process claims as its owner. */
function standIn(): ChildProcess & { pid: number } {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)", "lanes-stand-in"], {
    stdio: "ignore",
  });
  standIns.push(child);
  if (child.pid === undefined) throw new Error("sleep did not start");
  return child as ChildProcess & { pid: number };
}

afterEach(() => {
  for (const child of standIns.splice(0)) child.kill("SIGKILL");
});

describe("two lane managers with different owner pids in one process", () => {
  it("each claims slots as its own owner: the other's slot is another live lanes', not its own", async () => {
    const other = standIn();
    const first = ws.manager({ defaultLaneLimit: 1, ownerPid: other.pid });
    const second = ws.manager({ defaultLaneLimit: 1 });
    const holding = first.start({ command: "sleep 30" });
    expect(holding.status).toBe("running");
    expect(holding.owner_pid).toBe(other.pid);
    const waiting = second.start({ command: "echo second" });
    expect(waiting.status).toBe("queued");
    expect(waiting.owner_pid).toBe(process.pid);
    expect(second.waitingFor(waiting.id)?.holders).toMatchObject([{ taskId: holding.id, owner: "alive" }]);
    await first.kill(holding.id);
    expect((await second.whenEnded(waiting.id)).status).toBe("completed");
  });

  it("recovery adopts only the tasks of the owner that died, never a live runtime's own", async () => {
    const other = standIn();
    const first = ws.manager();
    const second = ws.manager({ ownerPid: other.pid });
    const mine = first.start({ command: "sleep 30" });
    const orphan = second.start({ command: "sleep 30", persist: true });
    expect(orphan.status).toBe("running");
    // The second runtime goes away (its persisted task keeps running), then its owner dies.
    await second.shutdown();
    other.kill("SIGKILL");
    await new Promise((resolve) => other.once("exit", resolve));
    const third = ws.manager();
    const recovery = third.recover();
    expect(recovery.adopted).toEqual([orphan.id]);
    expect(third.get(orphan.id)?.owner_pid).toBe(process.pid);
    expect(third.get(mine.id)).toBeUndefined();
  });
});
