import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { repairConversation } from "../agent/conversation.js";
import type { Message } from "../model/types.js";

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
    message: z.custom<Message>((v) => typeof v === "object" && v !== null),
  }),
  z.object({ type: z.literal("task"), id: z.string() }),
]);

export interface LoadedSession {
  id: string;
  messages: Message[];
  taskIds: string[];
  /** Lines that could not be read (a crash mid-write leaves at most the last one); skipped. */
  skipped: number;
}

/**
 * A conversation as `.lanes/sessions/<id>.jsonl`: a meta line, the messages, the ids of the tasks it
 * started. Rewritten whole (temp file + rename) at each save, because the loop edits its last message in
 * place (results merged into a pending user message); a crash keeps the previous save.
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

  save(session: {
    id: string;
    workspace: string;
    model: string;
    createdAt: string;
    messages: Message[];
    taskIds: string[];
  }): void {
    const lines: z.infer<typeof LineSchema>[] = [
      {
        type: "meta",
        id: session.id,
        workspace: session.workspace,
        model: session.model,
        created_at: session.createdAt,
      },
      ...session.messages.map((message) => ({ type: "message" as const, message })),
      ...session.taskIds.map((id) => ({ type: "task" as const, id })),
    ];
    const file = this.file(session.id);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, lines.map((line) => JSON.stringify(line)).join("\n") + "\n", { mode: 0o600 });
    renameSync(temp, file);
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
    const messages: Message[] = [];
    const taskIds: string[] = [];
    let skipped = 0;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (line.trim().length === 0) continue;
      const parsed = safeParse(line);
      if (!parsed) skipped++;
      else if (parsed.type === "message") messages.push(parsed.message);
      else if (parsed.type === "task") taskIds.push(parsed.id);
    }
    // The same repair the loop applies before every call: a run cut short still resumes cleanly.
    return { id, messages: repairConversation(messages), taskIds, skipped };
  }

  file(id: string): string {
    return join(this.dir, `${id}.jsonl`);
  }
}

function safeParse(line: string): z.infer<typeof LineSchema> | undefined {
  try {
    const result = LineSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
