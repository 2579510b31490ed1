import { describe, expect, it } from "vitest";
import { describeToolCall } from "../../src/present/tool-call-text.js";

describe("describeToolCall", () => {
  it("keeps a command or path call short: the description, then the command", () => {
    expect(describeToolCall("bash", { command: "npm test", timeout_ms: 1000 })).toBe("bash(npm test)");
    expect(describeToolCall("background_run", { command: "npm run dev", description: "dev server" })).toBe(
      "background_run(dev server: npm run dev)",
    );
  });

  it("shows every field a call without a command was given, also those the tool rejects", () => {
    expect(describeToolCall("wait_background", { timeout: 5 })).toBe("wait_background(timeout: 5)");
    expect(describeToolCall("wait_background", { task_ids: ["a1", "b2"], timeout_ms: 4000 })).toBe(
      'wait_background(task_ids: ["a1","b2"], timeout_ms: 4000)',
    );
    expect(describeToolCall("wait_background", {})).toBe("wait_background()");
    expect(describeToolCall("wait_background", "soon")).toBe('wait_background("soon")');
  });
});
