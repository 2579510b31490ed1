import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { appendHistory, HISTORY_LIMIT, historyFile, loadHistory } from "../../src/cli/repl/history.js";
import { tempWorkspace } from "../helpers/temp-workspace.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function tempFile(): string {
  const workspace = tempWorkspace("lanes-history-");
  cleanups.push(workspace.cleanup);
  return join(workspace.dir, "config", "lanes", "history");
}

describe("REPL history", () => {
  it("lives in $XDG_CONFIG_HOME/lanes/history, else ~/.config/lanes/history (a relative XDG path is ignored)", () => {
    expect(historyFile({ XDG_CONFIG_HOME: "/x/cfg", HOME: "/home/u" })).toBe("/x/cfg/lanes/history");
    expect(historyFile({ HOME: "/home/u" })).toBe("/home/u/.config/lanes/history");
    expect(historyFile({ XDG_CONFIG_HOME: "rel", HOME: "/home/u" })).toBe("/home/u/.config/lanes/history");
  });

  it("round-trips multi-line entries and backslashes, one line per entry, readable only by the user", () => {
    const file = tempFile();
    expect(loadHistory(file)).toEqual([]);
    appendHistory(file, "line one\nline two");
    appendHistory(file, "C:\\new \\n literal");
    appendHistory(file, "C:\\new \\n literal");
    expect(loadHistory(file)).toEqual(["line one\nline two", "C:\\new \\n literal"]);
    expect(readFileSync(file, "utf8").split("\n")).toHaveLength(3);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it(`keeps the newest ${HISTORY_LIMIT} entries`, () => {
    const file = tempFile();
    appendHistory(file, "seed");
    writeFileSync(file, `${Array.from({ length: 600 }, (_, i) => `entry ${i}`).join("\n")}\n`);
    appendHistory(file, "newest");
    const entries = loadHistory(file);
    expect(entries).toHaveLength(HISTORY_LIMIT);
    expect(entries[0]).toBe("entry 101");
    expect(entries.at(-1)).toBe("newest");
    expect(readFileSync(file, "utf8").trimEnd().split("\n")).toHaveLength(HISTORY_LIMIT);
  });
});
