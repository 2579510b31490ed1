import { describe, expect, it } from "vitest";
import type { ApprovalAnswer, ApprovalRequest } from "../../src/approval/gate.js";
import { ApprovalPrompt } from "../../src/cli/repl/approval-prompt.js";
import { ARMING_MS } from "../../src/cli/repl/arming.js";
import type { ReplView } from "../../src/cli/repl/view.js";
import { createStyle } from "../../src/text/style.js";
import { eventually } from "../helpers/temp-workspace.js";

/** A view that keeps what the prompt showed: the notices and the current hint. */
function recordingView() {
  const shown = { notices: [] as string[], hint: undefined as string | undefined, opened: [] as boolean[] };
  const view: ReplView = {
    print: () => {},
    notice: (line) => shown.notices.push(line),
    setActivity: () => {},
    setInput: () => {},
    setHint: (hint) => (shown.hint = hint),
    refreshStatus: () => {},
    endLine: () => {},
    dropPartialLine: () => {},
    clearScreen: () => {},
    suspend: () => {},
    resume: () => {},
    close: () => {},
  };
  return { view, shown };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the question shows its answer keys: armed, ARMING_MS after the last key (bounded under load). */
async function armed(shown: { hint: string | undefined }): Promise<void> {
  expect(await eventually(() => shown.hint?.startsWith("Answer:") === true, 10_000, 10)).toBe(true);
}

function question(prefix?: string) {
  const { view, shown } = recordingView();
  const prompt = new ApprovalPrompt(view, createStyle(false), (open) => shown.opened.push(open));
  const request: ApprovalRequest = { kind: "escalate", command: "npm test", reason: "net", prefix };
  let answer: ApprovalAnswer | undefined;
  void prompt.ask(request, new AbortController().signal).then((given) => (answer = given));
  const press = (str: string, name?: string) => prompt.key(str, { name: name ?? str, sequence: str });
  return { prompt, shown, press, answer: () => answer };
}

describe("the approval question's keys", () => {
  it("keys typed without a pause never answer it: each goes to the prompt and restarts the arming wait", async () => {
    const { shown, press, answer } = question("npm test");
    expect(shown.opened).toEqual([true]);
    expect(shown.hint).toMatch(/arming/);
    // Eight keys a quarter of the arming wait apart: typing lasts twice the wait, so only restarts held it off.
    const started = Date.now();
    for (const key of "yes, add") {
      expect(press(key)).toBe(false);
      await sleep(ARMING_MS / 4);
    }
    expect(Date.now() - started).toBeGreaterThan(ARMING_MS);
    await Promise.resolve();
    expect(answer()).toBeUndefined();
    expect(shown.notices.some((line) => line.includes("→"))).toBe(false);
  }, 20_000);

  it("once armed, y answers yes once; a capital Y or another letter is typing and disarms it", async () => {
    const { shown, press, answer } = question("npm test");
    await armed(shown);
    expect(shown.hint).toMatch(/^Answer: \[y\] yes, once/);
    expect(press("Y")).toBe(false);
    expect(shown.hint).toMatch(/arming/);
    expect(press("y")).toBe(false);
    await armed(shown);
    expect(press("y")).toBe(true);
    await Promise.resolve();
    expect(answer()).toBe("once");
    expect(shown.opened).toEqual([true, false]);
  }, 20_000);

  it("don't ask again takes a, then after a fresh arming wait a second y; n goes back to the first choice", async () => {
    const { shown, press, answer } = question("npm test");
    await armed(shown);
    expect(press("a")).toBe(true);
    expect(shown.notices.at(-1)).toContain("Save `npm test` in your config");
    // An `a` followed at typing speed by a `y` is not a deliberate yes.
    expect(press("y")).toBe(false);
    await armed(shown);
    expect(press("n")).toBe(true);
    expect(shown.notices.at(-1)).toContain("[y] yes, once   [a] yes, and don't ask again");
    await armed(shown);
    expect(press("a")).toBe(true);
    await armed(shown);
    expect(press("y")).toBe(true);
    await Promise.resolve();
    expect(answer()).toBe("prefix");
  }, 20_000);

  it("with no prefix offered, a is just typing; Escape says no", async () => {
    const { shown, press, answer } = question(undefined);
    expect(shown.notices[0]).not.toContain("[a]");
    await armed(shown);
    expect(press("a")).toBe(false);
    await armed(shown);
    expect(press("\u001b", "escape")).toBe(true);
    await Promise.resolve();
    expect(answer()).toBe("no");
  }, 20_000);
});
