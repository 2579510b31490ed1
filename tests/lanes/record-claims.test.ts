import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimPlan, claimRecord, sweepClaims } from "../../src/lanes/record-claims.js";
import type { RecoveryPlan } from "../../src/lanes/recovery.js";
import type { TaskRecord } from "../../src/lanes/task-record.js";

let dir: string;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** A live node process that passes for a lanes (its command line says so): another lanes that adopted. */
function liveLanes(): number {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)", "lanes-claims-test-owner"], {
    stdio: "ignore",
  });
  children.push(child);
  return child.pid ?? 0;
}

/** The pid of a process that has exited: the crashed lanes that wrote the leftovers. */
function deadPid(): number {
  return spawnSync("true").pid ?? 0;
}

function leftover(ownerPid: number, ended: boolean): TaskRecord {
  const base = { id: "0c1a1m5e", owner_pid: ownerPid, notified: false, pid: 4242 };
  const status = ended ? "failed" : "running";
  return { ...base, status } as unknown as TaskRecord;
}

function plan(record: TaskRecord): RecoveryPlan {
  const ended = record.status !== "running";
  return {
    adopt: ended ? [] : [record],
    settled: ended ? [record] : [],
    corrected: [],
    ended: [],
    restart: [],
  };
}

function save(record: TaskRecord): void {
  writeFileSync(join(dir, `${record.id}.json`), JSON.stringify(record));
}

describe("recovery claims of a dead lanes' records", () => {
  for (const ended of [false, true])
    it(`a lanes that read the ${ended ? "undelivered result" : "running task"} before another took it and a third swept its claim takes nothing`, () => {
      dir = mkdtempSync(join(tmpdir(), "lanes-record-claims-"));
      const crashed = deadPid();
      const record = leftover(crashed, ended);
      save(record);
      // The late lanes read the records now, while the crashed lanes still owned them.
      const seenByLate = { ...record };
      // The first lanes claims it and makes it its own: adopted (its owner), or delivered (notified).
      const first = liveLanes();
      expect(claimRecord(dir, record, first)).toBe(true);
      const taken = ended ? { ...record, notified: true } : { ...record, owner_pid: first };
      save(taken);
      // A third lanes starts and sweeps the claim no one needs any more.
      sweepClaims(dir, [taken]);
      expect(readdirSync(dir).filter((name) => name.includes(".claim-"))).toEqual([]);
      // The late lanes claims what it read: the record is no longer the crashed lanes' to give.
      const mine = claimPlan(dir, plan(seenByLate), process.pid);
      expect({ adopt: mine.adopt.length, settled: mine.settled.length }).toEqual({ adopt: 0, settled: 0 });
      expect(readdirSync(dir).filter((name) => name.includes(".claim-"))).toEqual([]);
    });

  it("a record still the dead owner's is claimed by the first lanes to ask, and only by it", () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-record-claims-"));
    const record = leftover(deadPid(), false);
    save(record);
    const first = liveLanes();
    expect(claimRecord(dir, record, first)).toBe(true);
    expect(claimPlan(dir, plan(record), process.pid).adopt).toEqual([]);
    // Its claimant died too: the next lanes takes it over.
    children.splice(0).forEach((child) => child.kill("SIGKILL"));
    spawnSync("sleep", ["0.1"]);
    expect(claimPlan(dir, plan(record), process.pid).adopt).toEqual([record]);
  });
});
