import { readFileSync } from "node:fs";
import * as z from "zod";
import { delay } from "../async/delay.js";
import {
  ModelError,
  type AssistantBlock,
  type Message,
  type ModelCallEvents,
  type ModelProvider,
  type ModelRequest,
  type ModelTurn,
} from "./types.js";

// Strict objects, so a typo such as "toolcalls" is reported instead of silently replaying nothing.
const scriptTurnSchema = z.strictObject({
  text: z.string().optional(),
  tool_calls: z
    .array(z.strictObject({ name: z.string().min(1), input: z.record(z.string(), z.unknown()) }))
    .optional(),
  delay_ms: z.number().int().nonnegative().optional(),
});
const scriptSchema = z.strictObject({ turns: z.array(scriptTurnSchema) });

/** One scripted assistant turn of a `--model script:FILE.json` file. */
export type ScriptTurn = z.infer<typeof scriptTurnSchema>;

/** The script file is missing, not JSON, or not in the expected shape. The message names file and field. */
export class ScriptFileError extends Error {
  override name = "ScriptFileError";
}

/** Text in a few pieces, split on code points so no emoji or CJK character is cut in half. */
function chunks(text: string, parts = 3): string[] {
  const characters = Array.from(text);
  const size = Math.max(1, Math.ceil(characters.length / parts));
  const pieces: string[] = [];
  for (let at = 0; at < characters.length; at += size) pieces.push(characters.slice(at, at + size).join(""));
  return pieces;
}

function estimateTokens(value: unknown): number {
  return Math.ceil(JSON.stringify(value).length / 4);
}

/** What the last user message carried, so a finished script still shows which results reached the model. */
function exhaustedText(messages: Message[]): string {
  const lastUser = messages.findLast((message) => message.role === "user");
  const text = (lastUser?.content ?? [])
    .map((block) => (block.type === "text" ? block.text : block.content))
    .join("\n");
  const blocks = Array.from(text.matchAll(/<background-results>([\s\S]*?)<\/background-results>/g));
  if (blocks.length === 0) return "(script finished)";
  const lines = blocks.flatMap((match) => (match[1] ?? "").split("\n").map((line) => line.trim()));
  return `Background results received:\n${lines.filter((line) => line !== "").join("\n")}`;
}

export function createScriptProviderFromTurns(turns: ScriptTurn[], model = "script"): ModelProvider {
  let next = 0;
  return {
    name: "script",
    model,
    async createTurn(request: ModelRequest, events?: ModelCallEvents): Promise<ModelTurn> {
      const index = next;
      const turn = turns[index];
      if (turn?.delay_ms !== undefined && !(await delay(turn.delay_ms, request.signal))) {
        throw new ModelError("script: turn aborted", "aborted", undefined, 1);
      }
      if (request.signal?.aborted) throw new ModelError("script: turn aborted", "aborted", undefined, 1);
      // Only an answered turn is consumed, so a turn cancelled by the user is replayed on the next call.
      if (turn !== undefined) next++;
      const text = turn === undefined ? exhaustedText(request.messages) : (turn.text ?? "");
      const content: AssistantBlock[] = text === "" ? [] : [{ type: "text", text }];
      for (const piece of text === "" ? [] : chunks(text)) events?.onTextDelta?.(piece);
      (turn?.tool_calls ?? []).forEach((call, i) => {
        content.push({ type: "tool_use", id: `script_${index}_${i}`, name: call.name, input: call.input });
      });
      const hasTools = content.some((block) => block.type === "tool_use");
      const usage = {
        input_tokens: estimateTokens([request.system, request.messages]),
        output_tokens: estimateTokens(content),
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      };
      return { content, stopReason: hasTools ? "tool_use" : "end_turn", usage };
    },
  };
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
}

/** Replays the turns of a JSON script file, for the offline demo and tests. */
export function createScriptProvider(file: string): ModelProvider {
  let raw: string;
  try {
    raw = readFileSync(file, "utf8");
  } catch (error) {
    throw new ScriptFileError(`Cannot read script file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new ScriptFileError(`Script file ${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = scriptSchema.safeParse(json);
  if (!parsed.success)
    throw new ScriptFileError(`Invalid script file ${file}: ${formatIssues(parsed.error)}`);
  return createScriptProviderFromTurns(parsed.data.turns, `script:${file}`);
}
