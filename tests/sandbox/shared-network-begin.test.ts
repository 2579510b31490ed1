import { describe, expect, it } from "vitest";
import { findPerl } from "../../src/process/own-group-launch.js";
import { findProgram } from "../../src/sandbox/probe.js";
import { SharedNetwork } from "../../src/sandbox/shared-network.js";
import { descendants } from "../helpers/process-tree.js";

describe.skipIf(process.platform !== "linux")("the shared network's holder, started in two steps", () => {
  it("is spawned by begin, before anyone waits for it, and the wait hands back a working namespace", ({
    onTestFinished,
  }) => {
    const unshare = findProgram("unshare", process.env);
    const perl = findPerl();
    expect(unshare).toBeDefined();
    expect(perl).not.toBeNull();
    const before = new Set(descendants(process.pid).map((p) => p.pid));
    const wait = SharedNetwork.begin({ unshare: unshare!, perl: perl! });
    // The caller works meanwhile (the sandbox prepares its mount points): the holder is already on its way.
    const spawned = descendants(process.pid).filter((p) => !before.has(p.pid));
    expect(spawned).toHaveLength(1);
    const network = wait();
    expect(network).toBeDefined();
    onTestFinished(() => network?.close());
    expect(network!.alive).toBe(true);
    expect(network!.entry("/usr/bin/nsenter")).toBeTruthy();
  });
});
