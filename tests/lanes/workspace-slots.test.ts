import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useLaneFixture } from "../helpers/lane-fixture.js";

const ws = useLaneFixture();

describe("lane limits hold per workspace", () => {
  it("two lanes in one folder share the slots: the second waits until the first frees one", async () => {
    const first = ws.manager({ defaultLaneLimit: 1 });
    const second = ws.manager({ defaultLaneLimit: 1 });
    const long = first.start({ command: "sleep 30" });
    expect(long.status).toBe("running");
    const waiting = second.start({ command: "echo second" });
    expect(waiting.status).toBe("queued");
    await first.kill(long.id);
    const final = await second.whenEnded(waiting.id);
    expect(final.status).toBe("completed");
    const freed = Date.parse(first.get(long.id)?.ended_at ?? "");
    expect(Date.parse(final.started_at ?? "")).toBeGreaterThanOrEqual(freed);
    // Both gave their slot back.
    expect(readdirSync(join(ws.dir, ".lanes", "slots"))).toEqual([]);
  });

  it("a slot held by a lanes that died is taken back", async () => {
    const dead = spawnSync("true").pid ?? 1;
    const slots = join(ws.dir, ".lanes", "slots");
    mkdirSync(slots, { recursive: true });
    const key = createHash("sha256").update("default").digest("hex").slice(0, 16);
    writeFileSync(join(slots, `${key}.0`), JSON.stringify({ pid: dead, task: "gone0001" }));
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    const record = lanes.start({ command: "echo reclaimed" });
    expect(record.status).toBe("running");
    expect((await lanes.whenEnded(record.id)).status).toBe("completed");
  });

  it("a reaper that died holding its guard, and a claim's temp file left by a crash, do not block the slot", async () => {
    const dead = spawnSync("true").pid ?? 1;
    const slots = join(ws.dir, ".lanes", "slots");
    const lanes = ws.manager({ defaultLaneLimit: 1 });
    // This lanes has looked at the slots already: what follows is met while claiming, not by its first sweep.
    await lanes.whenEnded(lanes.start({ command: "true", lane: "warm" }).id);
    const key = createHash("sha256").update("default").digest("hex").slice(0, 16);
    const stale = JSON.stringify({ pid: dead, task: "gone0002", nonce: "a1" });
    writeFileSync(join(slots, `${key}.0`), stale);
    // Died between creating the guard for that dead claim and removing the claim...
    const digest = createHash("sha256").update(stale).digest("hex").slice(0, 16);
    writeFileSync(join(slots, `${key}.0.reap-${digest}`), JSON.stringify({ pid: dead }));
    // ...and another died between writing a claim aside and linking it into place.
    const temp = `${key}.1.${dead}.0badc0de.tmp`;
    writeFileSync(join(slots, temp), JSON.stringify({ pid: dead, task: "x" }));
    const record = lanes.start({ command: "echo reclaimed" });
    expect(record.status).toBe("running");
    expect((await lanes.whenEnded(record.id)).status).toBe("completed");
    expect(readdirSync(slots)).toEqual([temp]);
    // The next lanes to look sweeps what the dead one left.
    ws.manager().start({ command: "true" });
    expect(readdirSync(slots).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });
});
