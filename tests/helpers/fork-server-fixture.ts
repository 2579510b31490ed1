import { afterEach, beforeEach } from "vitest";
import { ForkServerSlot } from "../../src/process/fork-server-slot.js";
import { tempWorkspace } from "./temp-workspace.js";

/** A fresh folder and fork server for each test of the file, closed and removed after it. */
export function useForkServerFixture(): { dir: () => string; slot: () => ForkServerSlot } {
  let ws: { dir: string; cleanup: () => void } | undefined;
  let slot: ForkServerSlot | undefined;
  beforeEach(() => {
    ws = tempWorkspace();
    slot = new ForkServerSlot();
  });
  afterEach(() => {
    slot?.close();
    ws?.cleanup();
  });
  return { dir: () => ws!.dir, slot: () => slot! };
}
