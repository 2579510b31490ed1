import { describe, expect, it } from "vitest";
import { lazyModule, withLazyModules } from "../../src/startup/lazy-require.js";

describe("a lazily required module", () => {
  it("loads its real module only on first use, once, and then reads, lists and spreads as it", () => {
    let loads = 0;
    const real = { answer: 42, twice: (x: number) => 2 * x };
    const lazy = lazyModule(() => {
      loads++;
      return real;
    }) as typeof real;
    expect(loads).toBe(0);
    expect(lazy.twice(21)).toBe(42);
    expect("answer" in lazy).toBe(true);
    expect(Object.keys(lazy)).toEqual(["answer", "twice"]);
    expect({ ...lazy }).toEqual(real);
    expect(loads).toBe(1);
  });

  it("the bundle's require turns `lazy:` ids into lazy modules and passes every other id on at once", () => {
    const asked: string[] = [];
    const base = Object.assign((id: string) => (asked.push(id), { id }), { resolve: () => "resolved" });
    const require = withLazyModules(base as unknown as NodeJS.Require);
    const threads = require("lazy:node:worker_threads") as { id: string };
    expect(asked).toEqual([]);
    expect((require("node:path") as { id: string }).id).toBe("node:path");
    expect(threads.id).toBe("node:worker_threads");
    expect(asked).toEqual(["node:path", "node:worker_threads"]);
    expect(require.resolve("x")).toBe("resolved");
  });
});
