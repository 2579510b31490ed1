import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { endTaskGroup } from "../../src/lanes/end-task.js";
import { EscapeSweeper } from "../../src/lanes/escape-sweeper.js";
import { TASK_MARKER } from "../../src/process/marked-processes.js";
import { cleaningPerl, readTrimmed } from "../helpers/cleaning-perl.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually } from "../helpers/temp-workspace.js";

// endTaskGroup ends a task lanes does not hold as a child (adopted after a crash, `lanes tasks kill`): its
// group's TERM and a TERM to what left the group with the task's marker. A process still in the group must
// get the group's TERM only: a second one lands in its cleanup. CI's soak saw it: an adopted task's shell,
// killed at the adopting lanes' shutdown, died in its TERM trap before writing its file.

const marker = useProcessMarker();
let dir = "";
afterEach(() => {
  marker.killMarked();
  rmSync(dir, { recursive: true, force: true });
});

/** The cleaning perl with a 1 s cleanup (a second TERM within it ends it). */
const cleaning = (ready: string, clean: string): string => cleaningPerl(ready, clean, 1);
const read = readTrimmed;

describe.runIf(process.platform === "linux")("endTaskGroup", () => {
  it("a marked process still in the task's group gets one TERM (the group's), and cleans up", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-end-task-"));
    const [ready, clean] = [join(dir, "ready"), join(dir, "clean")];
    const env = { ...marker.env(), [TASK_MARKER]: "e1d0c0de" };
    const leader = spawn("perl", ["-e", cleaning(ready, clean)], { detached: true, stdio: "ignore", env });
    expect(await eventually(() => existsSync(ready), 10_000, 10)).toBe(true);
    const outcome = await endTaskGroup(leader.pid!, "e1d0c0de", 8_000);
    expect({ cleanup: read(clean), signal: outcome.signal }).toEqual({
      cleanup: "cleaned",
      signal: "SIGTERM",
    });
  }, 30_000);

  it("a marked process that left the group (setsid) gets a TERM too, and one only", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-end-task-"));
    const [ready, clean] = [join(dir, "ready"), join(dir, "clean")];
    const env = { ...marker.env(), [TASK_MARKER]: "e1d0c0df" };
    const escapee = `use POSIX; if (fork() == 0) { POSIX::setsid(); ${cleaning(ready, clean)} } sleep 30;`;
    const leader = spawn("perl", ["-e", escapee], { detached: true, stdio: "ignore", env });
    expect(await eventually(() => existsSync(ready), 10_000, 10)).toBe(true);
    await endTaskGroup(leader.pid!, "e1d0c0df", 8_000);
    expect(await eventually(() => read(clean) === "cleaned", 5_000, 20)).toBe(true);
  }, 30_000);

  it("the escape sweep after a task's end TERMs what left its group, not what is still in it (lanes TERMs that group itself)", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-end-task-"));
    const [ready, escaped] = [join(dir, "ready"), join(dir, "escaped")];
    const env = { ...marker.env(), [TASK_MARKER]: "e1d0c0e0" };
    const escapee = `use POSIX; if (fork() == 0) { POSIX::setsid(); $SIG{TERM} = sub { open(my $f, ">", "${escaped}"); close $f; exit 0 }; sleep 1 while 1 } open(my $r, ">", "${ready}"); close $r; sleep 30;`;
    const leader = spawn("perl", ["-e", escapee], { detached: true, stdio: "ignore", env });
    expect(await eventually(() => existsSync(ready), 10_000, 10)).toBe(true);
    const sweeper = new EscapeSweeper(() => 8_000);
    sweeper.schedule("e1d0c0e0", leader.pid!);
    expect(sweeper.sweep(8_000)).toBe(1);
    expect(await eventually(() => existsSync(escaped), 5_000, 20)).toBe(true);
    expect(leader.exitCode === null && leader.signalCode === null).toBe(true);
  }, 30_000);
});
