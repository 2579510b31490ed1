import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killStoredTask } from "../../src/lanes/stored-tasks.js";
import { storedKillText } from "../../src/present/stored-kill-text.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

describe("lanes tasks kill on a task its live lanes holds", () => {
  it("a queued task never starts: it ends as killed by the user when its slot frees, and the next one runs", async () => {
    const m = ws.manager({ laneLimits: { tests: 1 } });
    const first = m.start({ command: "sleep 30", lane: "tests" });
    const queued = m.start({ command: "echo should-not-run > ran", lane: "tests" });
    const third = m.start({ command: "echo third", lane: "tests" });
    expect(m.get(queued.id)?.status).toBe("queued");
    await m.flush();
    const said = killStoredTask(ws.dir, queued.id, 100, process.pid);
    await m.kill(first.id);
    const kill = await said;
    expect(kill).toMatchObject({ kind: "never-starts", id: queued.id, record: { status: "killed" } });
    expect(storedKillText(kill)).toContain(`Task ${queued.id} had not started and never will: killed`);
    const ended = await m.whenEnded(queued.id);
    expect(ended).toMatchObject({
      status: "killed",
      started_at: null,
      end_reason: "user_kill",
      end_detail: "killed by the user (lanes tasks kill)",
    });
    expect(await m.whenEnded(third.id)).toMatchObject({ status: "completed" });
    expect(existsSync(join(ws.dir, "ran"))).toBe(false);
  });
});
