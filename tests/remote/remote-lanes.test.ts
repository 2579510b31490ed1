import { describe, expect, it } from "vitest";
import { createRemoteLanes } from "../../src/remote/remote-lanes.js";

describe("the remote lanes of a config", () => {
  const options = { workspace: "/tmp/ws", env: {}, hidden: [], killGraceMs: 1_000 };

  it("none configured: no remote runtime, every lane stays local", () => {
    expect(createRemoteLanes({ ...options, lanes: { tests: {} } })).toBeUndefined();
  });

  it("lists each Slurm lane for the tool description: its partition, queued by Slurm, not sandboxed", () => {
    const remote = { type: "slurm" as const, dir: "/shared", partition: "debug", time_limit: "01:00:00" };
    const runtime = createRemoteLanes({ ...options, lanes: { hpc: { remote } } });
    expect(runtime?.descriptions).toEqual([
      "hpc: Slurm jobs (partition debug), queued by Slurm, not sandboxed by lanes",
    ]);
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
