import { execFileSync } from "node:child_process";
import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openInWorkspace, resolveInWorkspace } from "../../src/tools/workspace-path.js";
import { startPathFlipper } from "../helpers/path-flipper.js";
import { eventually } from "../helpers/temp-workspace.js";

let base: string;
let root: string;
let outside: string;
const cleanups: (() => void)[] = [];

beforeEach(() => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), "lanes-ws-")));
  root = path.join(base, "workspace");
  outside = path.join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(root, "inside.txt"), "inside\n");
  writeFileSync(path.join(outside, "secret.txt"), "SECRET\n");
});

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  rmSync(base, { recursive: true, force: true });
});

describe("resolveInWorkspace", () => {
  it("resolves a relative path against the root", () => {
    const resolved = resolveInWorkspace(root, "inside.txt");
    expect(resolved.realPath).toBe(path.join(root, "inside.txt"));
    expect(resolved.relativePath).toBe("inside.txt");
  });

  it("accepts an absolute path inside the root", () => {
    expect(resolveInWorkspace(root, path.join(root, "inside.txt")).relativePath).toBe("inside.txt");
  });

  it("refuses an absolute path outside the root", () => {
    expect(() => resolveInWorkspace(root, path.join(outside, "secret.txt"))).toThrow(/outside the workspace/);
  });

  it("refuses a .. escape and says where it leads", () => {
    expect(() => resolveInWorkspace(root, "../outside/secret.txt")).toThrow(
      `path is outside the workspace: ../outside/secret.txt resolves to ${path.join(outside, "secret.txt")}`,
    );
  });

  it("allows .. that stays inside", () => {
    mkdirSync(path.join(root, "sub"));
    expect(resolveInWorkspace(root, "sub/../inside.txt").relativePath).toBe("inside.txt");
  });

  it("refuses a file symlink that points outside, naming the link and its target", () => {
    symlinkSync(path.join(outside, "secret.txt"), path.join(root, "a"));
    expect(() => resolveInWorkspace(root, "a")).toThrow(
      `path escapes the workspace via symlink: a -> ${path.join(outside, "secret.txt")}`,
    );
  });

  it("refuses a directory symlink that points outside", () => {
    symlinkSync(outside, path.join(root, "dir"));
    expect(() => resolveInWorkspace(root, "dir/secret.txt")).toThrow(/via symlink: dir -> .*outside/);
  });

  it("refuses a chain of symlinks whose last link leaves the workspace", () => {
    symlinkSync("b", path.join(root, "a"));
    symlinkSync(outside, path.join(root, "b"));
    expect(() => resolveInWorkspace(root, "a/secret.txt")).toThrow(/via symlink: a -> b, b -> .*outside/);
  });

  it("refuses a symlink loop with a clear error instead of hanging", () => {
    symlinkSync("loop2", path.join(root, "loop1"));
    symlinkSync("loop1", path.join(root, "loop2"));
    expect(() => resolveInWorkspace(root, "loop1")).toThrow(/too many levels of symbolic links \(a loop\?\)/);
  });

  it("follows a symlink that stays inside and reports the real path", () => {
    symlinkSync("inside.txt", path.join(root, "alias.txt"));
    expect(resolveInWorkspace(root, "alias.txt").realPath).toBe(path.join(root, "inside.txt"));
  });

  it("works when the root itself is reached through a symlink", () => {
    symlinkSync(root, path.join(base, "root-link"));
    expect(resolveInWorkspace(path.join(base, "root-link"), "inside.txt").relativePath).toBe("inside.txt");
  });

  it("for a missing path checks the deepest existing ancestor (a link to outside is refused)", () => {
    symlinkSync(outside, path.join(root, "dir"));
    expect(() => resolveInWorkspace(root, "dir/new/file.txt", { allowMissing: true })).toThrow(/via symlink/);
    const fresh = resolveInWorkspace(root, "new/deeper/file.txt", { allowMissing: true });
    expect(fresh).toMatchObject({ relativePath: "new/deeper/file.txt", stats: null });
  });

  it("refuses a dangling symlink whose target would be created outside", () => {
    symlinkSync(path.join(outside, "created.txt"), path.join(root, "dangling"));
    expect(() => resolveInWorkspace(root, "dangling", { allowMissing: true })).toThrow(
      /via symlink: dangling ->/,
    );
  });

  it("says file not found for a missing path when missing is not allowed", () => {
    expect(() => resolveInWorkspace(root, "nope.txt")).toThrow("file not found: nope.txt");
  });

  it("refuses a path with a NUL byte", () => {
    expect(() => resolveInWorkspace(root, "inside.txt\0.png")).toThrow("path contains a NUL byte");
  });

  it("refuses a name longer than the filesystem allows (ENAMETOOLONG) with a clear message", () => {
    expect(() => resolveInWorkspace(root, `${"x".repeat(300)}.txt`, { allowMissing: true })).toThrow(
      /path name too long/,
    );
    expect(() => resolveInWorkspace(root, "d/".repeat(2100))).toThrow(/path name too long: 4200 bytes/);
  });

  it("refuses to walk through a file as if it were a folder", () => {
    expect(() => resolveInWorkspace(root, "inside.txt/x", { allowMissing: true })).toThrow(/not a directory/);
  });

  it("gives a clear not-found for the lossy UTF-8 spelling of a non-UTF-8 file name", () => {
    const rawName = Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from(".txt")]);
    writeFileSync(rawName, "latin-1 named\n");
    expect(() => resolveInWorkspace(root, "caf\uFFFD.txt")).toThrow("file not found: caf\uFFFD.txt");
    expect(readFileSync(rawName, "utf8")).toBe("latin-1 named\n");
  });
});

describe("openInWorkspace", () => {
  it("returns an fd and the real path read back from the opened descriptor", () => {
    const file = openInWorkspace(root, "inside.txt", constants.O_RDONLY);
    cleanups.push(() => closeSync(file.fd));
    expect(file).toMatchObject({
      realPath: path.join(root, "inside.txt"),
      relativePath: "inside.txt",
      size: 7,
    });
  });

  it("refuses a directory", () => {
    mkdirSync(path.join(root, "folder"));
    expect(() => openInWorkspace(root, "folder", constants.O_RDONLY)).toThrow(
      "folder is a directory, not a file",
    );
  });

  it("refuses a FIFO before opening it, so reading one does not hang", () => {
    execFileSync("mkfifo", [path.join(root, "pipe")]);
    // Opening a FIFO with no writer blocks this thread for good, so getting a refusal back at all proves it.
    expect(() => openInWorkspace(root, "pipe", constants.O_RDONLY)).toThrow(/pipe is a FIFO \(named pipe\)/);
    expect(() => openInWorkspace(root, "pipe", constants.O_WRONLY)).toThrow(/FIFO/);
  });

  it("refuses a unix socket", async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path.join(root, "sock"), resolve));
    cleanups.push(() => server.close());
    expect(() => openInWorkspace(root, "sock", constants.O_RDONLY)).toThrow(/sock is a socket/);
  });

  it("refuses a device reached through a symlink (it is outside the workspace)", () => {
    symlinkSync("/dev/zero", path.join(root, "zero"));
    expect(() => openInWorkspace(root, "zero", constants.O_RDONLY)).toThrow(
      /via symlink: zero -> \/dev\/zero/,
    );
  });

  it("never hands out an fd outside the root while a directory link is swapped in a tight loop, and both outcomes occur", async () => {
    mkdirSync(path.join(root, "real"));
    writeFileSync(path.join(root, "real", "secret.txt"), "inside copy\n");
    symlinkSync("real", path.join(root, "d"));
    const link = path.join(root, "d");
    const flipper = startPathFlipper(link, [
      ["link", "real"],
      ["link", outside],
    ]);
    const contents: string[] = [];
    const realPaths: string[] = [];
    const refusals: string[] = [];
    try {
      // Attack only once the other process really flips the link.
      const targets = new Set<string>();
      expect(
        await eventually(
          () => {
            targets.add(lstatSync(link).isSymbolicLink() ? readlinkSync(link) : "not a link");
            return targets.size >= 2;
          },
          10_000,
          1,
        ),
      ).toBe(true);
      // Until both outcomes were seen (at least 2,000 tries); the deadline only stops a lost race.
      const deadline = Date.now() + 20_000;
      for (let tries = 0; tries < 2000 || contents.length === 0 || refusals.length === 0; tries++) {
        if (Date.now() > deadline) break;
        let file: ReturnType<typeof openInWorkspace>;
        try {
          file = openInWorkspace(root, "d/secret.txt", constants.O_RDONLY);
        } catch (error) {
          refusals.push(String(error));
          continue;
        }
        contents.push(readFileSync(file.fd, "utf8"));
        closeSync(file.fd);
        realPaths.push(file.realPath);
      }
    } finally {
      await flipper.stop();
    }
    expect(contents.length).toBeGreaterThan(0);
    expect(refusals.length).toBeGreaterThan(0);
    expect(contents.filter((content) => content !== "inside copy\n")).toEqual([]);
    expect(realPaths.filter((real) => !real.startsWith(`${root}/`))).toEqual([]);
    expect(
      refusals.filter(
        (refusal) => !/escapes the workspace|file not found|became a symlink|cannot open/.test(refusal),
      ),
    ).toEqual([]);
    expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
  }, 60_000);

  it("refuses a path that is already a symlink to outside even when opened for creation", () => {
    symlinkSync(path.join(outside, "secret.txt"), path.join(root, "out-link"));
    expect(() => openInWorkspace(root, "out-link", constants.O_WRONLY | constants.O_CREAT)).toThrow(
      /via symlink/,
    );
    expect(readFileSync(path.join(outside, "secret.txt"), "utf8")).toBe("SECRET\n");
  });
});
