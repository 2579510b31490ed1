import * as z from "zod";
import { ToolError } from "../errors/tool-error.js";
import { describeIssue } from "./input-errors.js";
import type { ToolSpec } from "../model/types.js";

export { ToolError };

/** What every tool receives besides its input. */
export interface ToolCallContext {
  /** Aborted when the user cancels the turn (Ctrl+C) or lanes shuts down. */
  signal: AbortSignal;
  /** The tool_use id of this call. */
  callId: string;
  /**
   * Takes the ids of the tasks whose results the reply states (wait, kill, check of an ended task): the
   * caller counts them delivered once the reply reached the model, not before. Without it, at once.
   */
  reported?: (taskIds: string[]) => void;
}

/**
 * What a tool returns (pi-mono's `AgentToolResult`): the model reads `content`; views, stream-json and tests
 * read `details`, typed per tool, so nothing parses the model's text for ids or kinds.
 */
export interface ToolResult<Details = unknown> {
  content: string;
  details: Details;
}

/**
 * A tool is a plain object: one zod schema gives the TypeScript type, the JSON Schema sent to the model and
 * the validation of what the model sends back. `run` throws (ToolError or anything else) on failure; the
 * loop turns that into an `is_error` result in exactly one place.
 */
export interface Tool<Schema extends z.ZodObject = z.ZodObject, Details = unknown> {
  name: string;
  description: string;
  schema: Schema;
  run(input: z.infer<Schema>, context: ToolCallContext): Promise<ToolResult<Details>>;
}

/**
 * Makes the schema strict: a field the tool does not have is refused, naming it, instead of being dropped
 * in silence (`timeout: 5` would otherwise start a task with no timeout at all). In one place, so no tool
 * can forget it; the JSON Schema the model sees says `additionalProperties: false` too.
 */
export function defineTool<Schema extends z.ZodObject, Details>(
  tool: Tool<Schema, Details>,
): Tool<Schema, Details> {
  return { ...tool, schema: tool.schema.strict() as unknown as Schema };
}

export type { ToolSpec };

/** Each tool's spec, made once: zod's JSON Schema conversion took 9 ms for the toolset at a session's first send. */
const specs = new WeakMap<Tool, ToolSpec>();

export function toToolSpec(tool: Tool): ToolSpec {
  const known = specs.get(tool);
  if (known) return known;
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  const spec: ToolSpec = {
    name: tool.name,
    description: tool.description,
    input_schema: { ...schema, type: "object" },
  };
  specs.set(tool, spec);
  return spec;
}

/** Validates raw model input; the error names each wrong field and what it got. */
export function parseToolInput<Schema extends z.ZodObject>(
  tool: Tool<Schema>,
  raw: unknown,
): z.infer<Schema> {
  const result = tool.schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const fields = Object.keys(tool.schema.shape);
  const problems = result.error.issues.map((issue) => describeIssue(tool.name, fields, issue, raw));
  throw new ToolError(`Invalid input for ${tool.name}: ${problems.join("; ")}`);
}
