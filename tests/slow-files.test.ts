import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SLOW_FILE_SECONDS } from "./slow-files.js";

describe("the sequencer's list of slow test files", () => {
  it("names only test files that exist, so a renamed slow file is not silently started late", () => {
    const root = join(import.meta.dirname, "..");
    const missing = Object.keys(SLOW_FILE_SECONDS).filter((file) => !existsSync(join(root, file)));
    expect(missing).toEqual([]);
  });
});
