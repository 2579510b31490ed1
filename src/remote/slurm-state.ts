import { RemoteError } from "./remote-error.js";
import { runWhere, type SlurmWhere } from "./slurm-run.js";

/** What Slurm says of a job now, as data. */
export type JobState =
  | { kind: "pending"; reason: string }
  | { kind: "running" }
  | { kind: "ended"; state: string; exitCode: number; signal: number; reason: string }
  /** The controller no longer knows the job (aged out): the exit file on `dir` is the fallback. */
  | { kind: "gone" }
  /** The controller did not answer (restarting, network): ask again. */
  | { kind: "unknown"; detail: string };

/** `Key=Value Key=Value` of `scontrol show job -o`, as a map (values never hold spaces we read). */
export function parseScontrol(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const word of line.trim().split(/\s+/)) {
    const at = word.indexOf("=");
    if (at > 0) fields.set(word.slice(0, at), word.slice(at + 1));
  }
  return fields;
}

const PENDING = new Set(["PENDING", "REQUEUED", "REQUEUE_HOLD", "SUSPENDED", "RESV_DEL_HOLD"]);
const RUNNING = new Set(["RUNNING", "CONFIGURING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT"]);

export function stateFromScontrol(line: string): JobState {
  const fields = parseScontrol(line);
  const state = fields.get("JobState") ?? "";
  const reason = fields.get("Reason") ?? "None";
  if (PENDING.has(state)) return { kind: "pending", reason };
  if (RUNNING.has(state)) return { kind: "running" };
  if (state === "") return { kind: "unknown", detail: "scontrol gave no JobState" };
  const [code, signal] = (fields.get("ExitCode") ?? "0:0").split(":").map(Number);
  return { kind: "ended", state, exitCode: code ?? 0, signal: signal ?? 0, reason };
}

export async function jobState(where: SlurmWhere, jobId: string): Promise<JobState> {
  try {
    const result = await runWhere(where, ["scontrol", "show", "job", "-o", jobId]);
    if (result.code === 0) return stateFromScontrol(result.stdout.toString("utf8"));
    if (/Invalid job id/i.test(result.stderr)) return { kind: "gone" };
    return { kind: "unknown", detail: result.stderr.trim() || `scontrol exited ${String(result.code)}` };
  } catch (error) {
    return { kind: "unknown", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** The job of a task id, if Slurm still lists one by that name (any state): the look-up before any submit. */
export async function jobByName(where: SlurmWhere, taskId: string): Promise<string | undefined> {
  const result = await runWhere(where, ["squeue", "-h", "-t", "all", "--name", taskId, "-o", "%i"]);
  if (result.code !== 0)
    throw new RemoteError(
      where.lane,
      where.host,
      "slurm refused",
      result.stderr.trim() || `squeue exited ${String(result.code)}`,
    );
  return result.stdout
    .toString("utf8")
    .trim()
    .split("\n")
    .find((id) => /^\d+/.test(id));
}
