import { ClientRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import type * as z from "zod";
import { describeIssue } from "../tools/input-errors.js";

type RequestSchema = (typeof ClientRequestSchema.options)[number];

/** The SDK's own schema of each request a client may send, by method. */
const SCHEMAS = new Map<string, RequestSchema>(
  ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema]),
);

/**
 * What is wrong with a request's params, in one line naming the field ("`params.name`: expected a string,
 * got nothing"), or undefined when they fit. Checked before the SDK parses them, whose failure would be an
 * internal error (-32603) carrying zod's whole issue list. Unknown methods pass: the SDK answers -32601.
 */
export function paramsProblem(request: { method: string; params?: unknown }): string | undefined {
  const schema = SCHEMAS.get(request.method);
  if (!schema) return undefined;
  const parsed = schema.safeParse({ method: request.method, params: request.params });
  if (parsed.success) return undefined;
  const [first, ...more] = parsed.error.issues as z.core.$ZodIssue[];
  if (!first) return undefined;
  const line = describeIssue(request.method, [], innermost(first), request);
  return more.length > 0 ? `${line} (and ${more.length} more)` : line;
}

/** A union's first failing branch names the field better than "Invalid input". */
function innermost(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union") return issue;
  const branch = issue.errors[0]?.[0];
  return branch ? innermost({ ...branch, path: [...issue.path, ...branch.path] }) : issue;
}
