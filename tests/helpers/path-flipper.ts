import { spawn, type ChildProcess } from "node:child_process";

// Swaps `path` between states. Files and links are built under a temporary name and renamed over `path`
// (rename(2) is atomic, so the path is never missing). A real directory cannot be renamed over a link, so
// ["dir"] moves the directory aside and back: `path` is briefly missing then.
const FLIPPER = `
const fs = require("fs");
const [path, states, parent] = [process.argv[1], JSON.parse(process.argv[2]), Number(process.argv[3])];
const stash = path + ".stash";
if (states.some(([kind]) => kind === "dir")) fs.renameSync(path, stash);
// The loop never yields, so no event can end it: it looks whether the process that started it (the test
// worker, whose pid it is given: it may be gone before this starts) is still its parent. process.ppid is
// read once, at start: /proc is read instead.
const ppid = () => { const stat = fs.readFileSync("/proc/self/stat", "latin1"); return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]); };
for (let i = 0; ; i++) {
  if (i % 256 === 0 && ppid() !== parent) process.exit(0);
  const [kind, value] = states[i % states.length];
  try {
    if (kind === "dir") {
      // The tool under test may have created a directory here while the real one was away.
      fs.rmSync(path, { force: true, recursive: true });
      fs.renameSync(stash, path);
      for (let spin = 0; spin < 200; spin++);
      fs.renameSync(path, stash);
      continue;
    }
    const temp = path + ".flip" + (i % 2);
    fs.rmSync(temp, { force: true });
    if (kind === "file") fs.writeFileSync(temp, value); else fs.symlinkSync(value, temp);
    fs.renameSync(temp, path);
  } catch {
    // A step lost a race with the tool under test: keep flipping.
  }
}
`;

/** A file with this content, a symbolic link to this target, or the directory that was at the path. */
export type FlipState = ["file", string] | ["link", string] | ["dir"];

/**
 * A separate process flipping `path` between states as fast as it can, until `stop()` or until the process
 * that started it ends (a test that timed out never reaches its `stop()`, and its worker is then ended).
 */
export function startPathFlipper(
  path: string,
  states: FlipState[],
): { pid: number | undefined; stop: () => Promise<void> } {
  const child: ChildProcess = spawn(
    process.execPath,
    ["-e", FLIPPER, path, JSON.stringify(states), String(process.pid)],
    {
      stdio: "ignore",
    },
  );
  return {
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGKILL");
      }),
  };
}
