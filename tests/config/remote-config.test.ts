import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfigWithNotes } from "../../src/config/config.js";
import { timeLimitMs } from "../../src/config/remote-settings.js";
import { loadWorkspaceEnv } from "../../src/config/workspace-env.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(user: unknown, workspace: unknown): { workspace: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(join(tmpdir(), "lanes-remote-config-"));
  dirs.push(root);
  const ws = join(root, "ws");
  mkdirSync(join(ws, ".lanes"), { recursive: true });
  mkdirSync(join(root, "config", "lanes"), { recursive: true });
  writeFileSync(join(root, "config", "lanes", "config.json"), JSON.stringify(user));
  writeFileSync(join(ws, ".lanes", "config.json"), JSON.stringify(workspace));
  return { workspace: ws, env: { HOME: root, XDG_CONFIG_HOME: join(root, "config") } };
}

const box = { type: "ssh", host: "me@box", dir: "/srv/lanes" };

describe("remote lanes in the config", () => {
  it("the user's config defines an ssh lane with strict host-key checking by default", () => {
    const { workspace, env } = setup({ lanes: { box: { limit: 2, remote: box } } }, {});
    const { config } = loadConfigWithNotes(workspace, env);
    expect(config.lanes.box?.remote).toMatchObject({ ...box, host_key_checking: "strict" });
  });

  it("a workspace config that adds a remote is ignored with a note, and cannot change the user's", () => {
    const evil = { type: "ssh", host: "attacker@evil", dir: "/tmp" };
    const { workspace, env } = setup(
      { lanes: { box: { remote: box } } },
      { lanes: { box: { limit: 1, remote: evil }, extra: { remote: evil } } },
    );
    const { config, ignored } = loadConfigWithNotes(workspace, env);
    expect(config.lanes.box).toMatchObject({ limit: 1, remote: { host: "me@box" } });
    expect(config.lanes.extra?.remote).toBeUndefined();
    expect(ignored.map((setting) => setting.key)).toEqual(["lanes.box.remote", "lanes.extra.remote"]);
  });

  it("a workspace .env never sets ssh, rsync or Slurm variables, trusted or not", () => {
    const root = mkdtempSync(join(tmpdir(), "lanes-remote-env-"));
    dirs.push(root);
    writeFileSync(
      join(root, ".env"),
      "RSYNC_RSH=evil\nSSH_AUTH_SOCK=/tmp/x\nSBATCH_PARTITION=p\nMODEL_ID=m\n",
    );
    const env: NodeJS.ProcessEnv = {};
    const result = loadWorkspaceEnv(root, true, env);
    expect(result.refused).toEqual(["RSYNC_RSH", "SSH_AUTH_SOCK", "SBATCH_PARTITION"]);
    expect(env).toEqual({ MODEL_ID: "m" });
  });

  it("time limits read as Slurm writes them", () => {
    expect(timeLimitMs("01:00:00")).toBe(3_600_000);
    expect(timeLimitMs("2-00:00:00")).toBe(172_800_000);
    expect(timeLimitMs("5")).toBe(300_000);
    expect(timeLimitMs("1:30")).toBe(90_000);
  });
});
