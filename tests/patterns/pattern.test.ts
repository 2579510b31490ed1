import { describe, expect, it } from "vitest";
import { Pattern, PatternError, PatternTimeout } from "../../src/patterns/pattern.js";

/** 40 a's and a b: a backtracking engine tries about 2^40 ways to split the a's before it gives up. */
const HOSTILE_LINE = `${"a".repeat(40)}b`;

/** Resolves after `ms` on the event loop: it can only fire if nothing holds the loop meanwhile. */
function tick(ms: number): Promise<"tick"> {
  return new Promise((resolve) => setTimeout(() => resolve("tick"), ms));
}

describe("patterns from the model", () => {
  it("(a+)+$ on a hostile line is answered in linear time, and right", async () => {
    const pattern = Pattern.compile("(a+)+$");
    expect(await pattern.firstMatch(`${HOSTILE_LINE}\nno\naaaa\n`)).toBe("aaaa");
    expect(await pattern.grep(`${HOSTILE_LINE}\n`.repeat(1000), 5)).toEqual({ count: 0, lines: [] });
  });

  it("finds the first match, or counts every match and keeps the last ones", async () => {
    const pattern = Pattern.compile("^PASS|ok$");
    expect(await pattern.firstMatch("FAIL x\nPASS a\nPASS b")).toBe("PASS a");
    expect(await pattern.firstMatch("nothing here")).toBeUndefined();
    const lines = Array.from({ length: 50 }, (_, index) => `PASS ${index}`).join("\n");
    expect(await pattern.grep(lines, 2)).toEqual({ count: 50, lines: ["PASS 48", "PASS 49"] });
    expect(await Pattern.compile("(?i)ready").firstMatch("Server READY")).toBe("Server READY");
  });

  it("refuses at once what RE2 cannot honour, saying why", () => {
    for (const source of ["(?<=a)b", "(a)\\1", "x(?=y)", "(", "a{2000}"]) {
      expect(() => Pattern.compile(source), source).toThrow(PatternError);
    }
    expect(() => Pattern.compile("(a)\\1")).toThrow(/RE2 syntax.*no lookahead, lookbehind or backreferences/);
  });

  it("a merely costly match runs off the event loop and is stopped at its deadline; the next one works", async () => {
    // Linear, but with a large constant: its DFA would need 2^21 states, so RE2 steps an NFA through every
    // character, about 6 s per MiB of mixed a's and b's; far past the 300 ms given here.
    const costly = Pattern.compile("(a|b)*a(a|b){20}$");
    const mixed = Array.from({ length: 1 << 19 }, () => (Math.random() < 0.5 ? "a" : "b")).join("");
    const match = costly.firstMatch(`${mixed}c`, 300);
    // Ordering, not a wall-clock bound: the timer fires while the match is still running.
    const first = await Promise.race([
      match.then(
        () => "match",
        () => "match",
      ),
      tick(20),
    ]);
    expect(first).toBe("tick");
    await expect(match).rejects.toThrow(PatternTimeout);
    expect(await Pattern.compile("b$").firstMatch("a\nab")).toBe("ab");
  });
});
