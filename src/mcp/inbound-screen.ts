import {
  ErrorCode,
  JSONRPCMessageSchema,
  JSONRPCRequestSchema,
  type JSONRPCErrorResponse,
  type JSONRPCMessage,
  type RequestId,
} from "@modelcontextprotocol/sdk/types.js";
import { describeValue } from "../tools/input-errors.js";
import type { OverlongLine } from "./line-reader.js";
import { paramsProblem } from "./request-params.js";

/** What becomes of one line from the client. */
export type Screened =
  | { kind: "message"; message: JSONRPCMessage }
  /** Answered with this error; nothing passes on. */
  | { kind: "refused"; reply: JSONRPCErrorResponse }
  /** A notification or response that is wrong but cannot be answered (JSON-RPC: no reply to those). */
  | { kind: "dropped"; reason: string };

/** Requests a client may send before initialize (the MCP spec: pings only). */
const BEFORE_INITIALIZE = new Set(["initialize", "ping"]);

/**
 * Checks each line before the SDK sees it, so every malformed message gets the reply JSON-RPC asks for
 * (-32700 unparseable, -32600 not a request, -32602 wrong params) and nothing runs before initialize. A
 * response without an id stands for JSON-RPC's null id: the MCP schema allows leaving it out, not null.
 */
export class InboundScreen {
  private initialized = false;

  line(text: string): Screened {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return refuse(undefined, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
    }
    return this.value(value);
  }

  /** A line over the limit: answered with its id when one of its ends shows it, unless a notification. */
  overlong(line: OverlongLine, maxBytes: number): Screened {
    const id = overlongId(line);
    if (id === undefined && NOTIFICATION_HEAD.test(line.head))
      return { kind: "dropped", reason: `a notification of ${line.size} bytes, over the limit` };
    const limit = `${maxBytes / (1024 * 1024)} MiB`;
    return refuse(
      id,
      ErrorCode.InvalidRequest,
      `Invalid Request: message too large (${line.size} bytes); lanes mcp reads messages of at most ${limit}`,
      { size: line.size, limit: maxBytes },
    );
  }

  private value(value: unknown): Screened {
    if (Array.isArray(value))
      return invalid(undefined, "batches are not supported: send one message per line");
    if (typeof value !== "object" || value === null)
      return invalid(undefined, `expected a JSON-RPC object, got ${describeValue(value)}`);
    const fields = value as Record<string, unknown>;
    // A response, even a malformed one, is never answered (JSON-RPC): it is passed on or noted.
    if (!("method" in fields) && ("result" in fields || "error" in fields))
      return passOrDrop(value, "a malformed response");
    const id = usableId(fields.id);
    if ("id" in fields && id === undefined)
      return invalid(undefined, `\`id\` must be a string or an integer, got ${describeValue(fields.id)}`);
    if (fields.jsonrpc !== "2.0")
      return invalid(id, `\`jsonrpc\` must be "2.0", got ${describeValue(fields.jsonrpc)}`);
    if (!("method" in fields)) return invalid(id, "no `method`");
    const method = fields.method;
    if (typeof method !== "string")
      return invalid(id, `\`method\` must be a string, got ${describeValue(method)}`);
    if (id === undefined) {
      if (!this.initialized) return { kind: "dropped", reason: `${method} before initialize` };
      return passOrDrop(value, `a malformed ${method} notification`);
    }
    if (
      "params" in fields &&
      (typeof fields.params !== "object" || fields.params === null || Array.isArray(fields.params))
    )
      return refuse(
        id,
        ErrorCode.InvalidParams,
        `Invalid params for ${method}: \`params\` must be an object, got ${describeValue(fields.params)}`,
      );
    const shape = JSONRPCRequestSchema.safeParse(value);
    if (!shape.success) return invalid(id, shape.error.issues[0]?.message ?? "not a JSON-RPC request");
    if (!this.initialized && !BEFORE_INITIALIZE.has(method))
      return invalid(id, `server not initialized: send initialize before ${method}`);
    const problem = paramsProblem({ method, params: fields.params });
    if (problem !== undefined)
      return refuse(id, ErrorCode.InvalidParams, `Invalid params for ${method}: ${problem}`);
    if (method === "initialize") this.initialized = true;
    return { kind: "message", message: shape.data };
  }
}

function refuse(id: RequestId | undefined, code: number, message: string, data?: unknown): Screened {
  return {
    kind: "refused",
    reply: {
      jsonrpc: "2.0",
      ...(id === undefined ? {} : { id }),
      error: { code, message, ...(data === undefined ? {} : { data }) },
    },
  };
}

function invalid(id: RequestId | undefined, why: string): Screened {
  return refuse(id, ErrorCode.InvalidRequest, `Invalid Request: ${why}`);
}

function passOrDrop(value: unknown, what: string): Screened {
  const parsed = JSONRPCMessageSchema.safeParse(value);
  return parsed.success ? { kind: "message", message: parsed.data } : { kind: "dropped", reason: what };
}

function usableId(id: unknown): RequestId | undefined {
  if (typeof id === "string") return id;
  return typeof id === "number" && Number.isSafeInteger(id) ? id : undefined;
}

const ID = String.raw`("(?:[^"\\]|\\.){0,200}"|-?\d{1,16})`;
/** The id as the first member (after "jsonrpc"), or as the last: only there is it surely top-level. */
const ID_HEAD = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}\s*,`);
const ID_TAIL = new RegExp(String.raw`,\s*"id"\s*:\s*${ID}\s*\}\s*$`);
const NOTIFICATION_HEAD = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"method"\s*:\s*"notifications\//;

function overlongId(line: OverlongLine): RequestId | undefined {
  const found = ID_HEAD.exec(line.head)?.[1] ?? ID_TAIL.exec(line.tail)?.[1];
  if (found === undefined) return undefined;
  try {
    return usableId(JSON.parse(found));
  } catch {
    return undefined;
  }
}
