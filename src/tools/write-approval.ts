import type { ApprovalMode } from "../config/trust-settings.js";
import { ToolError } from "../errors/tool-error.js";
import type { EditJournal } from "./edit-journal.js";
import type { FileChange, FileEditHooks } from "./file-edits.js";

/** Asks the user whether a file may be written (the REPL shows the diff). Resolves false on abort. */
export type WriteApprover = (change: FileChange, signal: AbortSignal) => Promise<boolean>;

/**
 * The write question of `--approval untrusted`: every write_file / edit_file waits for a yes; where nobody
 * can be asked (-p, a pipe, MCP) the write is refused. Other modes write without asking (in the workspace).
 */
export function writeApproval(
  mode: ApprovalMode,
  approver: WriteApprover | undefined,
): FileEditHooks["approve"] {
  if (mode !== "untrusted") return undefined;
  return async (change, signal) => {
    if (approver === undefined)
      throw new ToolError(
        `Approval is "untrusted": writing ${change.path} needs the user's approval, and nobody can be asked here (lanes -p, lanes mcp or piped input), so nothing was written.`,
      );
    if (!(await approver(change, signal)))
      throw new ToolError(`The user declined this change to ${change.path}; nothing was written.`);
  };
}

/** The file tools' hooks of a session: the write question, then every applied change into the journal. */
export function fileEditHooks(
  mode: ApprovalMode,
  approver: WriteApprover | undefined,
  journal: EditJournal,
): FileEditHooks {
  const approve = writeApproval(mode, approver);
  return { ...(approve && { approve }), applied: (change) => journal.record(change) };
}
