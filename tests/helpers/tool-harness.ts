import { runToolCall } from "../../src/agent/tool-runner.js";
import type { z } from "zod";
import { parseToolInput, type Tool, type ToolResult } from "../../src/tools/define-tool.js";
import type { ToolResultBlock } from "../../src/model/types.js";

export type ToolMap = ReadonlyMap<string, Tool>;

export function toolMap(tools: Tool[]): ToolMap {
  return new Map(tools.map((tool) => [tool.name, tool]));
}

/** Thrown when a call neither resolved nor rejected within its bound: the tool hung. */
export class HungToolCall extends Error {
  override name = "HungToolCall";
}

let callIds = 0;

/**
 * Runs one tool call the way the agent loop does (through runToolCall, the one place failures become
 * is_error results). Rejects with HungToolCall after `boundMs`, so a hang fails the test instead of
 * stalling it; a rejection of runToolCall itself propagates (it must never happen).
 */
export async function callTool(
  tools: ToolMap,
  name: string,
  input: unknown,
  boundMs = 15_000,
): Promise<ToolResultBlock & { details?: unknown }> {
  const id = `toolu_fuzz_${++callIds}`;
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new HungToolCall(`${name} did not answer within ${boundMs} ms`)),
      boundMs,
    );
  });
  try {
    const call = { type: "tool_use" as const, id, name, input };
    const { block: result, details } = await Promise.race([
      runToolCall(tools, call, new AbortController().signal),
      hung,
    ]);
    if (result.tool_use_id !== id)
      throw new Error(`${name} answered tool_use ${result.tool_use_id}, not ${id}`);
    return details === undefined ? result : { ...result, details };
  } finally {
    clearTimeout(timer);
  }
}

/** The task id background_run's details name (undefined when the call failed). */
export function startedId(result: { details?: unknown }): string | undefined {
  const details = result.details as { task_id?: unknown } | undefined;
  return typeof details?.task_id === "string" ? details.task_id : undefined;
}

/** Whether the tool's own schema rejects this input: such a call must come back as is_error. */
export function schemaRejects(tools: ToolMap, name: string, input: unknown): boolean {
  const tool = tools.get(name);
  if (!tool) return true;
  return !tool.schema.safeParse(input ?? {}).success;
}

/** Resolves like `promise`, or rejects once `ms` pass: for waits outside a tool call that must not hang. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new HungToolCall(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Calls a tool the way the agent loop does, minus the error conversion: schema first, then `run` (throws). */
export async function callDirect<Schema extends z.ZodObject>(
  tool: Tool<Schema>,
  raw: unknown,
  signal = new AbortController().signal,
): Promise<string> {
  return (await callResult(tool, raw, signal)).content;
}

/** Like callDirect, with the tool's `details` (ids, records, kinds) for the test to read instead of the text. */
export async function callResult<Schema extends z.ZodObject, Details>(
  tool: Tool<Schema, Details>,
  raw: unknown,
  signal = new AbortController().signal,
): Promise<ToolResult<Details>> {
  return tool.run(parseToolInput(tool, raw), { signal, callId: "t" });
}
