import { describe, expect, it } from "vitest";
import { LightHeaders } from "../../src/model/light-headers.js";

type Step = ["append" | "set", string, string] | ["delete", string];

/** The same steps on node's Headers and on LightHeaders: what each then holds. */
function both(init: [string, string][] | Record<string, string>, steps: Step[]) {
  const node = new Headers(init);
  const light = new LightHeaders(init);
  for (const step of steps) {
    if (step[0] === "delete") {
      node.delete(step[1]);
      light.delete(step[1]);
    } else {
      node[step[0]](step[1], step[2]);
      light[step[0]](step[1], step[2]);
    }
  }
  const view = (h: Headers | LightHeaders) => ({
    entries: [...h.entries()],
    get: ["content-type", "X-Api-Key", "accept", "missing"].map((name) => h.get(name)),
    has: ["CONTENT-TYPE", "missing"].map((name) => h.has(name)),
    setCookie: h.getSetCookie(),
  });
  return { node: view(node), light: view(light) };
}

describe("LightHeaders, a worker's Headers without undici", () => {
  it("holds what node's Headers holds after the same appends, sets and deletes, names in any case", () => {
    const cases: [[string, string][] | Record<string, string>, Step[]][] = [
      [{ "Content-Type": "application/json", "X-API-Key": " sk " }, [["append", "accept", "a/b"]]],
      [
        [
          ["Accept", "text/html"],
          ["accept", "application/json"],
        ],
        [
          ["set", "X-Api-Key", "k"],
          ["delete", "ACCEPT"],
          ["append", "Z-Last", "1"],
          ["append", "a-first", "2"],
        ],
      ],
      [
        {},
        [
          ["append", "Set-Cookie", "a=1"],
          ["append", "set-cookie", "b=2"],
          ["set", "Content-Type", "x"],
        ],
      ],
    ];
    for (const [init, steps] of cases) {
      const { node, light } = both(init, steps);
      expect(light).toEqual(node);
    }
  });

  it("copies another Headers, and refuses a name that is not a token or a value with a line break", () => {
    const copy = new LightHeaders(new LightHeaders({ b: "2", a: "1" }));
    expect([...copy]).toEqual([
      ["a", "1"],
      ["b", "2"],
    ]);
    expect(() => new LightHeaders({ "bad name": "x" })).toThrow(/invalid header name "bad name"/);
    expect(() => new LightHeaders({ "x-ok": "a\r\nInjected: 1" })).toThrow(/invalid value for header "x-ok"/);
  });
});
