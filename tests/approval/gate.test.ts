import { describe, expect, it } from "vitest";
import { CommandGate, type ApprovalAnswer, type ApprovalRequest } from "../../src/approval/gate.js";
import type { ApprovalMode } from "../../src/config/trust-settings.js";

const signal = new AbortController().signal;

/** A gate whose user answers from a list, recording what was asked and what was remembered. */
function gate(
  mode: ApprovalMode,
  answers: ApprovalAnswer[] = [],
  rules: { allow?: string[]; deny?: string[] } = {},
) {
  const asked: ApprovalRequest[] = [];
  const remembered: string[] = [];
  const subject = new CommandGate({
    mode,
    ...rules,
    approver: (request) => {
      asked.push(request);
      return Promise.resolve(answers.shift() ?? "no");
    },
    remember: (prefix) => remembered.push(prefix),
  });
  return { subject, asked, remembered };
}

describe("the command gate", () => {
  it("on-request: an escalation is asked; yes runs it outside, no refuses it, 'same way' remembers and stops asking", async () => {
    const { subject, asked, remembered } = gate("on-request", ["once", "no", "prefix"]);
    const ask = (command: string) =>
      subject.check(command, { unsandboxedReason: "needs the network", signal });
    await expect(ask("curl -s https://example.com")).resolves.toEqual({ outsideSandbox: true });
    await expect(ask("curl -s https://example.com")).rejects.toThrow(/declined to run this command outside/);
    await expect(ask("npm publish --dry-run")).resolves.toEqual({ outsideSandbox: true });
    expect(remembered).toEqual(["npm publish"]);
    await expect(ask("npm publish")).resolves.toEqual({ outsideSandbox: true });
    expect(asked.map((request) => [request.kind, request.command, request.prefix])).toEqual([
      ["escalate", "curl -s https://example.com", undefined],
      ["escalate", "curl -s https://example.com", undefined],
      ["escalate", "npm publish --dry-run", "npm publish"],
    ]);
    // Without a reason nothing is asked in on-request: it runs inside the sandbox.
    await expect(subject.check("rm -f x", { signal })).resolves.toEqual({ outsideSandbox: false });
    expect(asked).toHaveLength(3);
  });

  it("never, or nobody to ask: escalation and guard hits are refused without a question", async () => {
    const never = gate("never", ["once"]);
    await expect(never.subject.check("curl x", { unsandboxedReason: "net", signal })).rejects.toThrow(
      /approval is "never"/,
    );
    await expect(never.subject.check("rm -rf /", { signal })).rejects.toThrow(/refused by the safety guard/);
    expect(never.asked).toEqual([]);
    const nobody = new CommandGate({ mode: "on-request" });
    await expect(nobody.check("curl x", { unsandboxedReason: "net", signal })).rejects.toThrow(
      /nobody can be asked here/,
    );
  });

  it("untrusted: asks before rm but not ls, and a guard hit is a question with no 'same way'", async () => {
    const { subject, asked } = gate("untrusted", ["no", "once"]);
    await expect(subject.check("ls -la", { signal })).resolves.toEqual({ outsideSandbox: false });
    await expect(subject.check("rm notes.txt", { signal })).rejects.toThrow(/declined to run this command/);
    await expect(subject.check("rm -rf ~", { signal })).resolves.toEqual({ outsideSandbox: false });
    expect(asked.map((request) => [request.kind, request.prefix])).toEqual([
      ["untrusted", undefined],
      ["guard", undefined],
    ]);
  });

  it("deny wins over allow and over any answer; allow skips the question", async () => {
    const { subject, asked } = gate("untrusted", ["once"], { allow: ["git"], deny: ["git push"] });
    await expect(subject.check("git push -f", { unsandboxedReason: "x", signal })).rejects.toThrow(
      /deny rule `git push`/,
    );
    await expect(subject.check("git commit -m x", { signal })).resolves.toEqual({ outsideSandbox: false });
    await expect(subject.check("git fetch", { unsandboxedReason: "network", signal })).resolves.toEqual({
      outsideSandbox: true,
    });
    expect(asked).toEqual([]);
  });

  it("a read-only command (cat, git status, ls) never leaves the sandbox without the user: asked, or refused where nobody can be asked", async () => {
    const reason = { unsandboxedReason: "needs to read it", signal };
    const readers = ["cat /root/.secret", "git status", "ls -la /root", "grep -r key ~ && cat x"];
    const asking = gate("on-request", ["no", "no", "no", "no"], { allow: ["npm test"] });
    for (const command of readers)
      await expect(asking.subject.check(command, reason)).rejects.toThrow(
        /declined to run this command outside/,
      );
    expect(asking.asked.map((request) => [request.kind, request.command])).toEqual(
      readers.map((command) => ["escalate", command]),
    );
    const never = gate("never", ["once"]);
    for (const command of readers)
      await expect(never.subject.check(command, reason)).rejects.toThrow(/approval is "never"/);
    expect(never.asked).toEqual([]);
    const nobody = new CommandGate({ mode: "on-request" });
    for (const command of readers)
      await expect(nobody.check(command, reason)).rejects.toThrow(/nobody can be asked here/);
    // Inside the sandbox the list still spares the question in untrusted mode.
    const untrusted = gate("untrusted");
    await expect(untrusted.subject.check("git status", { signal })).resolves.toEqual({
      outsideSandbox: false,
    });
    expect(untrusted.asked).toEqual([]);
  });

  it("only an explicit allow rule grants leaving without a question, and only for the commands it starts", async () => {
    const { subject, asked } = gate("never", [], { allow: ["git status"] });
    const reason = { unsandboxedReason: "needs the real repository", signal };
    await expect(subject.check("git status --short", reason)).resolves.toEqual({ outsideSandbox: true });
    await expect(subject.check("git status; cat /root/.secret", reason)).rejects.toThrow(
      /approval is "never"/,
    );
    expect(asked).toEqual([]);
  });

  it("'don't ask again' on a question that offered no prefix (curl URL, id) remembers nothing and asks next time", async () => {
    const { subject, asked, remembered } = gate("on-request", ["prefix", "once"]);
    const ask = (command: string) => subject.check(command, { unsandboxedReason: "network", signal });
    await expect(ask("curl https://example.com")).resolves.toEqual({ outsideSandbox: true });
    await expect(ask("curl https://example.com")).resolves.toEqual({ outsideSandbox: true });
    expect(remembered).toEqual([]);
    expect(asked).toHaveLength(2);
  });

  it("a cancelled turn answers no", async () => {
    const controller = new AbortController();
    controller.abort();
    const { subject } = gate("on-request", ["once"]);
    await expect(
      subject.check("curl x", { unsandboxedReason: "net", signal: controller.signal }),
    ).rejects.toThrow(/declined/);
  });
});
