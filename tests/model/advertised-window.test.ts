import { describe, expect, it } from "vitest";
import { advertisedWindow } from "../../src/model/advertised-window.js";

describe("the window a model list advertises", () => {
  it("reads each server's field for the named model", () => {
    expect(advertisedWindow([{ id: "m", max_model_len: 32_768 }], "m")).toBe(32_768); // vLLM
    expect(advertisedWindow([{ id: "a" }, { id: "m", context_length: 65_536 }], "m")).toBe(65_536); // OpenRouter
    expect(advertisedWindow([{ id: "m", context_window: 131_072 }], "m")).toBe(131_072); // Groq
    expect(advertisedWindow([{ id: "m", max_context_length: 4_096 }], "m")).toBe(4_096); // LM Studio
  });

  it("takes a one-model server's only entry whatever it is called, and no other model's window", () => {
    expect(advertisedWindow([{ id: "/models/q.gguf", max_model_len: 8_192 }], "local")).toBe(8_192);
    expect(advertisedWindow([{ id: "a", max_model_len: 8_192 }, { id: "b" }], "local")).toBeUndefined();
  });

  it("says nothing for a list that says nothing usable", () => {
    for (const entries of [undefined, null, "x", [], [null, 3], [{ id: "m" }]]) {
      expect(advertisedWindow(entries, "m")).toBeUndefined();
    }
    expect(advertisedWindow([{ id: "m", max_model_len: "8192" }], "m")).toBeUndefined();
    expect(advertisedWindow([{ id: "m", max_model_len: 12.5 }], "m")).toBeUndefined();
    expect(advertisedWindow([{ id: "m", max_model_len: 0 }], "m")).toBeUndefined();
  });
});
