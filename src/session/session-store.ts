import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import * as z from "zod";
import type { LogEntry } from "../agent/conversation-log.js";
import type { Message } from "../model/types.js";

const StubSchema = z.object({ tool_use_id: z.string(), text: z.string() });

const LineSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("meta"),
    id: z.string(),
    workspace: z.string(),
    model: z.string(),
    created_at: z.string(),
  }),
  z.object({
    type: z.literal("message"),
    message: z.custom<Message>(
      (v) =>
        typeof v === "object" &&
        v !== null &&
        ((v as Message).role === "user" || (v as Message).role === "assistant") &&
        Array.isArray((v as Message).content),
    ),
  }),
  z.object({ type: z.literal("stub"), stubs: z.array(StubSchema) }),
  z.object({ type: z.literal("compaction"), summary: z.string(), first_kept: z.number().int().min(0) }),
  z.object({ type: z.literal("task"), id: z.string() }),
]);

type Line = z.infer<typeof LineSchema>;

export interface SessionMeta {
  id: string;
  workspace: string;
  model: string;
  createdAt: string;
}

export interface LoadedSession {
  id: string;
  /** The conversation log in the order it was written (messages, stubs, compactions). */
  entries: LogEntry[];
  taskIds: string[];
  /** Lines that could not be read (a crash mid-write leaves at most the last one); skipped. */
  skipped: number;
}

/**
 * A conversation as `.lanes/sessions/<id>.jsonl`: a meta line, then the log's entries and the ids of the
 * tasks it started, each appended as one line when it happens and never rewritten. Saving a turn costs the
 * same at turn 500 as at turn 10. A crash mid-write leaves at most one partial last line, skipped on load.
 */
export class SessionStore {
  readonly dir: string;

  constructor(lanesDir: string) {
    this.dir = join(lanesDir, "sessions");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  newId(): string {
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*$/, "").replace("T", "-");
    return `${stamp}-${randomBytes(2).toString("hex")}`;
  }

  /** Creates the file with its meta line, or readies an existing one for appending. */
  open(meta: SessionMeta): void {
    const file = this.file(meta.id);
    if (!existsSync(file)) {
      const line: Line = {
        type: "meta",
        id: meta.id,
        workspace: meta.workspace,
        model: meta.model,
        created_at: meta.createdAt,
      };
      writeFileSync(file, `${JSON.stringify(line)}\n`, { mode: 0o600, flag: "wx" });
    } else if (!endsWithNewline(file)) {
      // A crash cut the last line short: end it, so the next line is whole (the broken one is skipped).
      appendFileSync(file, "\n");
    }
  }

  appendEntry(id: string, entry: LogEntry): void {
    this.appendLine(id, entry);
  }

  appendTask(id: string, taskId: string): void {
    this.appendLine(id, { type: "task", id: taskId });
  }

  /** The most recently written session of this workspace, if any. */
  latest(): string | undefined {
    const files = readdirSync(this.dir).filter((name) => name.endsWith(".jsonl"));
    const newest = files
      .map((name) => ({ name, mtime: statSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime)[0];
    return newest?.name.replace(/\.jsonl$/, "");
  }

  load(id: string): LoadedSession {
    const file = this.file(id);
    if (!/^[\w.-]+$/.test(id) || !existsSync(file)) throw new Error(`no session ${id} in ${this.dir}`);
    const entries: LogEntry[] = [];
    const taskIds: string[] = [];
    let skipped = 0;
    for (const text of readFileSync(file, "utf8").split("\n")) {
      if (text.trim().length === 0) continue;
      const line = safeParse(text);
      if (!line) skipped++;
      else if (line.type === "task") taskIds.push(line.id);
      else if (line.type !== "meta") entries.push(line);
    }
    return { id, entries, taskIds, skipped };
  }

  file(id: string): string {
    return join(this.dir, `${id}.jsonl`);
  }

  /** Where compaction keeps the full text of a tool result it stubbed. */
  outputsDir(id: string): string {
    return join(this.dir, `${id}.outputs`);
  }

  private appendLine(id: string, line: Line): void {
    // One write of one whole line (O_APPEND): never a rewrite of what is already there.
    appendFileSync(this.file(id), `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }
}

function endsWithNewline(file: string): boolean {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

function safeParse(text: string): Line | undefined {
  try {
    const result = LineSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
