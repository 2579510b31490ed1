import { z } from "zod";

/** What every tool receives besides its input. */
export interface ToolCallContext {
  /** Aborted when the user cancels the turn (Ctrl+C) or lanes shuts down. */
  signal: AbortSignal;
  /** The tool_use id of this call. */
  callId: string;
}

/**
 * A tool is a plain object: one zod schema gives the TypeScript type, the JSON Schema sent to the model and
 * the validation of what the model sends back. `run` throws (ToolError or anything else) on failure; the
 * loop turns that into an `is_error` result in exactly one place.
 */
export interface Tool<Schema extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  schema: Schema;
  run(input: z.infer<Schema>, context: ToolCallContext): Promise<string>;
}

export function defineTool<Schema extends z.ZodObject>(tool: Tool<Schema>): Tool<Schema> {
  return tool;
}

/** A failure meant for the model: its message is the whole explanation, no stack trace needed. */
export class ToolError extends Error {
  override name = "ToolError";
}

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: { type: "object"; [key: string]: unknown };
}

export function toToolSpec(tool: Tool): ToolSpec {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.schema, { io: "input" }) as Record<
    string,
    unknown
  >;
  return { name: tool.name, description: tool.description, input_schema: { ...schema, type: "object" } };
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  let json: string;
  try {
    json = JSON.stringify(value) ?? String(value);
  } catch {
    // Nesting deep enough to overflow the stack: say what it is rather than fail with a RangeError.
    json = "(nested too deeply to show)";
  }
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  return `${Array.isArray(value) ? "array" : value === null ? "null" : typeof value} ${shown}`;
}

/** Validates raw model input; the error names each wrong field and what it got. */
export function parseToolInput<Schema extends z.ZodObject>(
  tool: Tool<Schema>,
  raw: unknown,
): z.infer<Schema> {
  const result = tool.schema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "(input)";
    let got: unknown = raw;
    for (const key of issue.path) got = (got as Record<PropertyKey, unknown> | undefined)?.[key];
    const received = issue.code === "unrecognized_keys" ? "" : ` (got ${describeValue(got)})`;
    return `\`${field}\`: ${issue.message}${received}`;
  });
  throw new ToolError(`Invalid input for ${tool.name}: ${problems.join("; ")}`);
}
