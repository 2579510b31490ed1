import { laneWorkspace, type LaneWorkspace } from "./lane-workspace.js";
import type { TestSshd } from "./sshd.js";

/** A workspace whose user config has a remote lane `box` on the test sshd. */
export type RemoteWorkspace = LaneWorkspace;

export function remoteWorkspace(sshd: TestSshd, lane: Record<string, unknown> = {}): RemoteWorkspace {
  return laneWorkspace({
    prefix: "lanes-remote-ws-",
    remoteFolder: "remote",
    lane: "box",
    remote: (dir) => ({
      type: "ssh",
      host: "root@127.0.0.1",
      port: sshd.port,
      identity_file: sshd.identityFile,
      known_hosts_file: sshd.knownHostsFile,
      dir,
      ...lane,
    }),
  });
}
