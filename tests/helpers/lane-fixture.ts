import { afterEach, beforeEach } from "vitest";
import { LaneManager, type LaneManagerOptions } from "../../src/lanes/lane-manager.js";
import { useProcessMarker } from "./process-marker.js";
import { tempWorkspace } from "./temp-workspace.js";

export interface LaneFixture {
  /** This test's workspace (a fresh temp dir). */
  readonly dir: string;
  /** The mark every command of this test's lane managers carries in its environment. */
  readonly mark: string;
  /** A lane manager on the workspace with test-friendly timings; shut down after the test. */
  manager(options?: Partial<LaneManagerOptions>): LaneManager;
}

/**
 * Registers a fresh workspace per test and shuts down every lane manager the test made, then SIGKILLs any
 * command of the test still running (a failed test may never reach its own kill), then cleans up.
 */
export function useLaneFixture(): LaneFixture {
  let ws: { dir: string; cleanup: () => void } | undefined;
  const managers: LaneManager[] = [];
  const marker = useProcessMarker({ killAfterEach: false });
  beforeEach(() => {
    ws = tempWorkspace();
  });
  afterEach(async () => {
    try {
      await Promise.all(managers.splice(0).map((m) => m.shutdown()));
    } finally {
      marker.killMarked();
      ws?.cleanup();
    }
  });
  return {
    get dir() {
      if (!ws) throw new Error("the workspace exists only inside a test");
      return ws.dir;
    },
    get mark() {
      return marker.value;
    },
    manager(options = {}) {
      const m = new LaneManager({
        workspace: this.dir,
        ownerPid: process.pid,
        killGraceMs: 300,
        tickMs: 50,
        ...options,
        env: marker.env(options.env),
      });
      managers.push(m);
      return m;
    },
  };
}
