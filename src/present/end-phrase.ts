import type { EndReason, TaskRecord } from "../lanes/task-record.js";
import { formatDuration } from "../text/preview.js";

/*
 * How a task stands or ended, said once: `completed, exit 0`, `killed (SIGTERM)`, `killed by the user
 * (lanes tasks kill; SIGTERM)`, `timed out after 30s (SIGTERM)`. The exit code reads `exit N` and the
 * signal its name, wherever they stand: the model and the tests look for those.
 */

/** Words for the end codes that have no `end_detail`; the status leads unless these already say it. */
const REASON_WORDS: Partial<Record<EndReason, string>> = {
  killed: "killed",
  user_kill: "killed by the user",
  shutdown: "killed when lanes exited",
  output_cap: "killed at the output cap (output_cap_bytes)",
  timeout: "timed out",
};

type PhraseFields = Pick<
  TaskRecord,
  "status" | "exit_code" | "signal" | "end_reason" | "end_detail" | "timeout_ms"
>;

/** The status in words, and what `end_detail` or the end code add to it (undefined when nothing). */
function headAndRest(record: PhraseFields): [string, string | undefined] {
  const said =
    record.end_detail ??
    (record.end_reason === null ? undefined : (REASON_WORDS[record.end_reason] ?? record.end_reason));
  if (record.status === "timed_out") {
    const after = record.timeout_ms === null ? "" : ` after ${formatDuration(record.timeout_ms)}`;
    return [`timed out${after}`, said === "timed out" ? undefined : said];
  }
  if (said === undefined || said === record.status) return [record.status, undefined];
  // "killed by the user (lanes tasks kill)" says the status itself: it is not said twice.
  if (said.startsWith(`${record.status} `)) return [said, undefined];
  return [record.status, said];
}

export function statusPhrase(record: PhraseFields): string {
  const [head, rest] = headAndRest(record);
  const exit = record.exit_code === null ? "" : `, exit ${record.exit_code}`;
  let text = head;
  // A signal the words already name ("SIGKILL not sent by lanes") is not named again.
  if (record.signal && !`${head} ${rest ?? ""}`.includes(record.signal))
    text = head.endsWith(")") ? `${head.slice(0, -1)}; ${record.signal})` : `${head} (${record.signal})`;
  return `${text}${exit}${rest === undefined ? "" : `, ${rest}`}`;
}
