import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResultLine } from "./deliveries.js";
import type { SoakModel } from "./soak-model.js";
import { tagOf } from "./shapes.js";
import { describeTruth, exitMismatch, readTruth } from "./truth.js";

/** The soak's verdict: every count must be 0. */
export interface SoakCounts {
  /** A task's result newly in two requests (or twice in one conversation). */
  twice: number;
  /** A task the model started (it ran, has a record, or the model was told its id) whose result never came. */
  lost: number;
  /** A delivered result whose exit code or signal is not what the command's own traps wrote. */
  wrongExit: number;
  /** A command that ran, or whose id the model was told, with no record on disk at the end. */
  noRecord: number;
  /** Processes of non-persist tasks still alive after the last lanes exited. */
  orphans: number;
  /** `lanes tasks` lines showing a task running whose processes were gone. */
  staleListings: number;
}

export interface Offense {
  count: keyof SoakCounts;
  tag: string;
  id?: string;
  shape: string;
  what: string;
}

interface RecordOnDisk {
  id: string;
  status: string;
  command: string;
}

function recordsByTag(workspace: string): Map<string, RecordOnDisk> {
  const folder = join(workspace, ".lanes", "tasks");
  const found = new Map<string, RecordOnDisk>();
  let names: string[] = [];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith(".json"));
  } catch {
    return found;
  }
  for (const name of names) {
    try {
      const record = JSON.parse(readFileSync(join(folder, name), "utf8")) as RecordOnDisk;
      const tag = tagOf(record.command);
      if (tag !== undefined) found.set(tag, record);
    } catch {
      // A torn record counts as none: the task has no record lanes could read.
    }
  }
  return found;
}

const brief = (lines: ResultLine[]): string => lines.map((line) => `"${line.line.slice(0, 90)}"`).join(" / ");

/** Judges every task the model asked for, against the records, the truth files and what it was shown. */
export function judgeTasks(
  workspace: string,
  model: SoakModel,
  stillRunningPersist: ReadonlySet<string>,
): { offenses: Offense[]; started: number; neverRan: number } {
  const records = recordsByTag(workspace);
  const offenses: Offense[] = [];
  let started = 0;
  let neverRan = 0;
  for (const [tag, task] of model.tasks) {
    const record = records.get(tag);
    const told = model.told.get(tag);
    const truth = readTruth(workspace, tag);
    const id = record?.id ?? told?.id;
    const offend = (count: keyof SoakCounts, what: string) =>
      offenses.push({ count, tag, shape: task.shape, what, ...(id ? { id } : {}) });
    if (truth.kind === "never-ran" && !record && !told) {
      neverRan++; // lanes died before it ran the call, and nobody was told of a task
      continue;
    }
    started++;
    const shown = id === undefined ? [] : (model.deliveries.delivered.get(id) ?? []);
    if (!record)
      offend("noRecord", `${describeTruth(truth)}; told: ${told ? told.text.slice(0, 80) : "nothing"}`);
    if (shown.length === 0 && !stillRunningPersist.has(tag)) {
      offend(
        "lost",
        `${describeTruth(truth)}, record ${record?.status ?? "missing"}, never shown to the model`,
      );
    }
    if (shown.length >= 2) {
      const held = id === undefined ? 0 : (model.deliveries.previous.get(id) ?? 0);
      offend("twice", `shown ${shown.length} times (${held} in the last request): ${brief(shown)}`);
    }
    const wrong = shown.map((line) => exitMismatch(truth, line)).find((text) => text !== undefined);
    if (wrong !== undefined) offend("wrongExit", wrong);
  }
  return { offenses, started, neverRan };
}
