import { describe, expect, it } from "vitest";
import { newTaskRecord } from "../../src/lanes/task-lifecycle.js";
import { createRemoteLanes } from "../../src/remote/remote-lanes.js";

describe("the remote lanes of a config", () => {
  const options = { workspace: "/tmp/ws", env: {}, hidden: [], killGraceMs: 1_000 };

  it("none configured: no remote runtime, every lane stays local", () => {
    expect(createRemoteLanes({ ...options, lanes: { tests: {} } })).toBeUndefined();
  });

  it("a Slurm lane (not built yet) fails its task at once with one line instead of running it here", async () => {
    const remote = { type: "slurm" as const, dir: "/shared", time_limit: "01:00:00" };
    const runtime = createRemoteLanes({ ...options, lanes: { hpc: { remote } } });
    const record = newTaskRecord(
      "t1",
      { command: "echo hi", lane: "hpc" },
      { cwd: "/tmp/ws", log: "/tmp/x.log", exit: "/tmp/x.exit", ownerPid: process.pid },
    );
    const handle = runtime?.launch(record, () => Promise.resolve());
    const end = await handle?.exited;
    expect(end).toMatchObject({ status: "failed", exit_code: null });
    expect(end?.end_detail).toContain("remote lane hpc: Slurm lanes are not built");
  });

  it("lists each SSH lane for the tool description, saying it is not sandboxed", () => {
    const remote = {
      type: "ssh" as const,
      host: "me@box",
      dir: "~/w",
      time_limit: "24:00:00",
      host_key_checking: "strict" as const,
    };
    const runtime = createRemoteLanes({ ...options, lanes: { box: { remote } } });
    expect(runtime?.descriptions).toEqual([
      "box: SSH host me@box, not sandboxed by lanes; files it writes stay there",
    ]);
  });
});
