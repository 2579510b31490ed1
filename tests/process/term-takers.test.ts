import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { groupMemberPids } from "../../src/process/group-members.js";
import { signalGroup, terminateGroup } from "../../src/process/kill-group.js";
import { membersBeforeTerm } from "../../src/process/members-before-term.js";
import { secondLook } from "../../src/process/term-deaf-members.js";
import { cleaningPerl, readTrimmed } from "../helpers/cleaning-perl.js";
import { useProcessMarker } from "../helpers/process-marker.js";
import { eventually } from "../helpers/temp-workspace.js";

// The second look at a young group's TERM (term-deaf-members.ts) leaves alone a member that took the TERM
// itself: one that caught it before the TERM. Who caught it is read just before the TERM; a member born after
// the last /proc scan (which a kill may reuse) must be seen too, or its cleanup gets a second TERM. The soak
// found that on CI: a task's shell, started moments before lanes' shutdown, was killed in its TERM trap.
// Nor a member that had no handler at that look but set one before the TERM landed: it got the TERM too.

const marker = useProcessMarker();
let dir = "";
afterEach(() => {
  marker.killMarked();
  rmSync(dir, { recursive: true, force: true });
});

const read = readTrimmed;

/** A member (perl, forked by its leader) that cleans up for 3 s at a TERM (tests/helpers/cleaning-perl.ts). */
const cleaningMember = (ready: string, clean: string): string => cleaningPerl(ready, clean, 3);

/** The group's TERM with the second look, its polls 2 s apart (a scan taken within 2 s is reused): the outcome. */
async function termWithSecondLook(
  pgid: number,
  clean: string,
): Promise<{ cleanup: string; signal: unknown }> {
  const outcome = await terminateGroup(pgid, 8_000, 2_000, true);
  return { cleanup: read(clean), signal: outcome.signal };
}

describe.runIf(process.platform === "linux")("who takes a young group's TERM", () => {
  it("a member born after the last scan, whose handler resets itself and cleans up, gets one TERM", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-term-takers-"));
    const [up, go, ready, clean] = ["up", "go", "ready", "clean"].map((name) => join(dir, name)) as [
      string,
      string,
      string,
      string,
    ];
    // The leader ignores TERM and waits for its child, which it forks only when told (after the test's scan).
    const child = cleaningMember(ready, clean);
    const leader = `$SIG{TERM} = "IGNORE"; open(my $u, ">", "${up}"); close $u; select(undef, undef, undef, 0.01) until -e "${go}"; my $pid = fork(); if ($pid == 0) { $SIG{TERM} = "DEFAULT"; ${child} } waitpid($pid, 0); exit 0;`;
    const process_ = spawn("perl", ["-e", leader], { detached: true, stdio: "ignore", env: marker.env() });
    const pgid = process_.pid!;
    expect(await eventually(() => existsSync(up), 10_000, 10)).toBe(true);
    // The scan a kill within the next 2 s may reuse: it has the leader only.
    expect(groupMemberPids(pgid)).toEqual([pgid]);
    writeFileSync(go, "");
    expect(await eventually(() => existsSync(ready), 10_000, 10)).toBe(true);
    expect(await termWithSecondLook(pgid, clean)).toEqual({ cleanup: "cleaned", signal: "SIGTERM" });
  }, 30_000);

  it("a group born after the last scan (none of it in that scan), whose member resets its handler and cleans up, gets one TERM", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-term-takers-"));
    const [ready, clean] = ["ready", "clean"].map((name) => join(dir, name)) as [string, string];
    // The scan a kill within the next 2 s may reuse, taken before the group exists (CI's term-sweep failure:
    // a scan a poll old, from before a task started moments earlier, left its shell unseen).
    expect(groupMemberPids(process.pid)).toEqual([]);
    const child = cleaningMember(ready, clean);
    const leader = `$SIG{TERM} = "IGNORE"; my $pid = fork(); if ($pid == 0) { $SIG{TERM} = "DEFAULT"; ${child} } waitpid($pid, 0); exit 0;`;
    const process_ = spawn("perl", ["-e", leader], { detached: true, stdio: "ignore", env: marker.env() });
    const pgid = process_.pid!;
    expect(await eventually(() => existsSync(ready), 10_000, 10)).toBe(true);
    expect(await termWithSecondLook(pgid, clean)).toEqual({ cleanup: "cleaned", signal: "SIGTERM" });
  }, 30_000);

  it("a member with no handler at the look before the TERM, that set one before the TERM landed and resets it to clean up, gets one TERM", async () => {
    dir = mkdtempSync(join(tmpdir(), "lanes-term-takers-"));
    const [up, go, armed, clean] = ["up", "go", "armed", "clean"].map((name) => join(dir, name)) as [
      string,
      string,
      string,
      string,
    ];
    // The handler is set only when told, after the look: then a TERM resets it, cleans up for 1 s, re-raises.
    const handler = `$SIG{TERM} = sub { $SIG{TERM} = "DEFAULT"; sigprocmask(SIG_UNBLOCK, POSIX::SigSet->new(SIGTERM)); select(undef, undef, undef, 1); open(my $f, ">", "${clean}"); print $f "cleaned"; close $f; kill "TERM", $$ };`;
    const script = `use POSIX; open(my $u, ">", "${up}"); close $u; select(undef, undef, undef, 0.01) until -e "${go}"; ${handler} open(my $a, ">", "${armed}"); close $a; sleep 1 while 1;`;
    const member = spawn("perl", ["-e", script], { detached: true, stdio: "ignore", env: marker.env() });
    let ended: NodeJS.Signals | null | undefined;
    member.on("exit", (_code, signal) => (ended = signal));
    const pgid = member.pid!;
    expect(await eventually(() => existsSync(up), 10_000, 5)).toBe(true);
    const before = membersBeforeTerm(pgid, Date.now());
    writeFileSync(go, "");
    expect(await eventually(() => existsSync(armed), 10_000, 5)).toBe(true);
    // terminateGroup's steps, with the handler set between the look and the TERM.
    const look = secondLook(pgid, before);
    signalGroup(pgid, "SIGTERM");
    const until = Date.now() + 5_000;
    while (ended === undefined && Date.now() < until) {
      look.termDeaf(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect({ cleanup: read(clean), signal: ended }).toEqual({ cleanup: "cleaned", signal: "SIGTERM" });
  }, 30_000);
});
