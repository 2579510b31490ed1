import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DeliveryLedger } from "../../src/delivery/ledger.js";

const RESULTS = 6;

type Op =
  | { op: "end"; task: number }
  | { op: "progress"; task: number }
  | { op: "take" }
  | { op: "claim"; task: number; carrier: number }
  | { op: "ack"; carrier: number }
  | { op: "nack"; carrier: number }
  | { op: "drop-written"; carrier: number }
  | { op: "crash" };

const task = fc.integer({ min: 0, max: RESULTS - 1 });
const carrier = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("end" as const), task }),
  fc.record({ op: fc.constant("progress" as const), task }),
  fc.record({ op: fc.constant("take" as const) }),
  fc.record({ op: fc.constant("claim" as const), task, carrier }),
  fc.record({ op: fc.constant("ack" as const), carrier }),
  fc.record({ op: fc.constant("nack" as const), carrier }),
  fc.record({ op: fc.constant("drop-written" as const), carrier }),
  fc.record({ op: fc.constant("crash" as const) }),
);

/**
 * A reader and a disk around the ledger. `received` counts, per result, the carriers the reader kept:
 * an ack adds what the carrier held, a carrier the reader dropped after it was written takes it away.
 */
class World {
  readonly notified = new Set<string>();
  readonly ended = new Set<string>();
  readonly received = new Map<string, number>();
  ledger = this.boot();
  /** Carriers in flight this run (index → id and what it holds), and acked ones the reader may drop. */
  private open = new Map<number, { id: string; holds: Set<string> }>();
  private acked = new Map<number, { id: string; holds: Set<string> }>();
  private next = 0;

  boot(): DeliveryLedger<string> {
    const ledger = new DeliveryLedger<string>({
      fold: (older, newer) => `${newer} (was ${older})`,
      onDelivered: (ids) => ids.forEach((id) => this.notified.add(id)),
      onReopened: (ids) => ids.forEach((id) => this.notified.delete(id)),
      reissue: (id) => (this.ended.has(id) ? `${id} ended` : undefined),
    });
    // What a starting lanes does: every ended result not recorded as notified is queued once.
    for (const id of this.ended) if (!this.notified.has(id)) ledger.push(id, `${id} ended`, true);
    return ledger;
  }

  apply(step: Op): void {
    const id = (n: number): string => `t${n}`;
    switch (step.op) {
      case "end":
        if (this.ended.has(id(step.task))) return;
        this.ended.add(id(step.task));
        return this.ledger.push(id(step.task), `${id(step.task)} ended`, true);
      case "progress":
        return this.ledger.push(id(step.task), `${id(step.task)} matched`, false);
      case "take": {
        // Three slots, so acks and nacks often hit a carrier; a take with none free waits.
        const slot = [0, 1, 2].find((n) => !this.open.has(n));
        if (slot === undefined) return;
        const carrierId = `c${this.next++}`;
        const taken = this.ledger.take(carrierId).filter((n) => n.final);
        this.open.set(slot, { id: carrierId, holds: new Set(taken.map((n) => n.taskId)) });
        return;
      }
      case "claim": {
        const held = this.open.get(step.carrier);
        if (!held || !this.ended.has(id(step.task))) return;
        if (this.ledger.claim(id(step.task), held.id)) held.holds.add(id(step.task));
        return;
      }
      case "ack": {
        const held = this.open.get(step.carrier);
        if (!held) return;
        this.open.delete(step.carrier);
        this.ledger.ack(held.id);
        for (const t of held.holds) this.received.set(t, (this.received.get(t) ?? 0) + 1);
        this.acked.set(step.carrier, held);
        return;
      }
      case "nack": {
        const held = this.open.get(step.carrier);
        if (!held) return;
        this.open.delete(step.carrier);
        return this.ledger.nack(held.id);
      }
      case "drop-written": {
        const held = this.acked.get(step.carrier);
        if (!held) return;
        this.acked.delete(step.carrier);
        this.ledger.nack(held.id);
        for (const t of held.holds) this.received.set(t, (this.received.get(t) ?? 0) - 1);
        return;
      }
      case "crash":
        // Carriers in flight die with the process: their reader never got them.
        this.open.clear();
        this.acked.clear();
        this.ledger = this.boot();
    }
  }

  /** Every carrier still open reaches its reader, then one more carrier takes what is left. */
  finish(): void {
    for (const slot of [...this.open.keys()]) this.apply({ op: "ack", carrier: slot });
    this.apply({ op: "take" });
    for (const slot of [...this.open.keys()]) this.apply({ op: "ack", carrier: slot });
  }
}

describe("the delivery ledger", () => {
  it("random interleavings of end/take/claim/ack/nack/drop-after-write/crash deliver each result exactly once", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const world = new World();
        for (const step of ops) {
          world.apply(step);
          // Never twice, at any moment.
          for (const count of world.received.values()) expect(count).toBeLessThanOrEqual(1);
        }
        world.finish();
        // Never lost: every result that ended reached the reader once, and is recorded as notified.
        for (const id of world.ended) expect([id, world.received.get(id)]).toEqual([id, 1]);
        expect([...world.notified].sort()).toEqual([...world.ended].sort());
      }),
      {
        numRuns: 2000,
        // The crash window and the drop after a write, always tried besides the random ones.
      },
    );
  });

  it("a result returned after its carrier was written comes back marked as a possible repeat", () => {
    const ledger = new DeliveryLedger<string>();
    ledger.push("a", "a ended", true);
    expect(ledger.take("r1")).toEqual([{ taskId: "a", notice: "a ended", final: true, mayRepeat: false }]);
    ledger.ack("r1");
    expect(ledger.peek()).toEqual([]);
    ledger.nack("r1");
    expect(ledger.peek()).toEqual([{ taskId: "a", notice: "a ended", final: true, mayRepeat: true }]);
  });

  it("a result a tool's answer claimed is not carried by another carrier, and a newer notice replaces a pending one", () => {
    const ledger = new DeliveryLedger<string>({ fold: (older, newer) => `${newer}+${older}` });
    ledger.push("a", "a matched", false);
    ledger.push("a", "a ended", true);
    expect(ledger.peek().map((n) => n.notice)).toEqual(["a ended+a matched"]);
    expect(ledger.claim("a", "wait")).toBe(true);
    expect(ledger.take("other")).toEqual([]);
    expect(ledger.claim("a", "other")).toBe(false);
    ledger.ack("wait");
    expect(ledger.stateOf("a")).toBe("delivered");
    ledger.push("a", "a ended", true);
    expect(ledger.peek()).toEqual([]);
  });
});
