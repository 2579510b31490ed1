import type { WriteApprover } from "../../tools/write-approval.js";
import { renderDiff } from "../render-diff.js";
import { terminalSafe } from "../../text/width.js";
import type { Style } from "../../text/style.js";
import type { ApprovalPrompt } from "./approval-prompt.js";
import type { ReplView } from "./view.js";

/** `--approval untrusted`: the diff of the write, then the approval question (yes once or no). */
export function writeQuestion(approvals: ApprovalPrompt, view: ReplView, style: Style): WriteApprover {
  return async (change, signal) => {
    view.notice(
      change.diff === "" ? style.dim("    (no change to the content)") : renderDiff(change.diff, style),
    );
    const heading = `${change.before === null ? "Create" : "Change"} this file? (approval: untrusted)`;
    const answer = await approvals.ask(
      { kind: "untrusted", command: terminalSafe(change.path), heading },
      signal,
    );
    return answer === "once";
  };
}
