import type { TaskRecord } from "../lanes/task-record.js";
import type { TerminationReason } from "../process/process-result.js";

/*
 * Each tool's `details`: what views, stream-json and tests read about a result instead of parsing the text
 * the model gets. Task fields are the records themselves (ids, status, end_reason, origin as data).
 */

export interface ReadFileDetails {
  /** Relative to the workspace, as the text shows it. */
  path: string;
  kind: "text" | "empty" | "binary";
  size: number;
  offset: number;
  /** Lines shown. */
  lines: number;
}

/** write_file and edit_file. */
export interface FileChangeDetails {
  path: string;
  /** Size of the file after the change. */
  bytes: number;
  /** Unified diff of the change (git format); "" when the bytes are the same. */
  diff: string;
  /** edit_file: the line the replaced text started on. */
  line?: number;
}

export type BashDetails =
  | {
      kind: "finished";
      exit_code: number | null;
      signal: string | null;
      reason: TerminationReason;
      /** The task that tracks processes the command left running (keep_background_processes). */
      leftover_task_id: string | null;
      /** Whether processes it left running were ended. */
      leftovers_ended: boolean;
      output_bytes: number;
      /** The file with the whole output, kept when the model was shown only its head and tail; else null. */
      output_file: string | null;
    }
  | { kind: "backgrounded"; task_id: string; output_file: string };

export interface BackgroundRunDetails {
  task_id: string;
  queued: boolean;
  record: TaskRecord;
}

export type CheckBackgroundDetails =
  | { kind: "task"; record: TaskRecord; /** Another lanes' task: not this session's. */ other: boolean }
  | { kind: "list"; own: TaskRecord[]; others: TaskRecord[] };

export interface WaitBackgroundDetails {
  ended: TaskRecord[];
  running: TaskRecord[];
  timed_out: boolean;
  cancelled: boolean;
  /** Ids among ended/running that belong to another lanes. */
  others: string[];
  /** Running servers not waited for (no ids given): persisted tasks and those listening on a port. */
  servers: string[];
}

export interface KillBackgroundDetails {
  record: TaskRecord;
  was_running: boolean;
  other: boolean;
}

export interface SendBackgroundInputDetails {
  task_id: string;
  bytes: number;
  closed_stdin: boolean;
  /** Not read by the task yet: queued while it runs. */
  pending: boolean;
}
