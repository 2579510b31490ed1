import { afterEach, beforeEach } from "vitest";
import { killByEnv } from "./process-tree.js";

/** Set on the processes a unit test starts; inherited by their children, grandchildren and escapees. */
export const TEST_MARK_VARIABLE = "LANES_TEST_MARK";

let tests = 0;

export interface ProcessMarker {
  /** This test's mark (a fresh value per test). */
  readonly value: string;
  /** `base` (default: process.env) with this test's mark added. */
  env(base?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** SIGKILLs every process still carrying this test's mark. */
  killMarked(): number;
}

/** A fresh mark per test; whatever still carries it after the test (passed or failed) is SIGKILLed. */
export function useProcessMarker(options: { killAfterEach?: boolean } = {}): ProcessMarker {
  let value = "";
  beforeEach(() => {
    value = `${process.pid}-${++tests}`;
  });
  const marker: ProcessMarker = {
    get value() {
      if (value === "") throw new Error("the process mark exists only inside a test");
      return value;
    },
    env: (base = process.env) => ({ ...base, [TEST_MARK_VARIABLE]: marker.value }),
    killMarked: () => (value === "" ? 0 : killByEnv(TEST_MARK_VARIABLE, value)),
  };
  if (options.killAfterEach ?? true) afterEach(() => void marker.killMarked());
  return marker;
}
