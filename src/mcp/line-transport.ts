import { STDIO_DEFAULT_MAX_BUFFER_SIZE, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { InboundScreen, type Screened } from "./inbound-screen.js";
import { LineReader } from "./line-reader.js";

/** Why the connection ended: the client's side went away, or the server closed it. */
export type ConnectionEnd =
  { by: "stdin-end" } | { by: "stdout-error"; code: string | undefined } | { by: "server" };

export interface LineTransportOptions {
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
  /** The longest message read, in bytes; a longer one is answered -32600 and skipped. */
  maxMessageBytes?: number;
  /** Where what cannot be answered (a malformed notification) is told. */
  log?: (line: string) => void;
}

/**
 * MCP over stdio, one JSON message per line, as the SDK's StdioServerTransport but: every malformed or
 * over-long line is answered as JSON-RPC says and the session goes on (InboundScreen); the end of stdin
 * or a failed write to stdout (the client closed its end) closes the connection, with `ended` saying
 * which; `send` resolves once the bytes were written (the write callback), never on a listener per message.
 */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Why the connection ended, once it has. */
  ended: ConnectionEnd | undefined;

  private readonly stdin: NodeJS.ReadableStream;
  private readonly stdout: NodeJS.WritableStream;
  private readonly maxMessageBytes: number;
  private readonly log: (line: string) => void;
  private readonly screen = new InboundScreen();
  private readonly reader: LineReader;

  constructor(options: LineTransportOptions = {}) {
    this.stdin = options.stdin ?? process.stdin;
    this.stdout = options.stdout ?? process.stdout;
    this.maxMessageBytes = options.maxMessageBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
    this.log = options.log ?? (() => {});
    this.reader = new LineReader(
      this.maxMessageBytes,
      (line) => this.dispatch(this.screen.line(line)),
      (line) => this.dispatch(this.screen.overlong(line, this.maxMessageBytes)),
    );
  }

  start(): Promise<void> {
    this.stdin.on("data", this.onData);
    this.stdin.on("error", this.onInputError);
    this.stdin.once("end", this.onInputEnd);
    this.stdin.once("close", this.onInputEnd);
    this.stdout.on("error", this.onOutputError);
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stdout.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  close(): Promise<void> {
    this.finish({ by: "server" });
    return Promise.resolve();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    this.reader.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  };

  private readonly onInputError = (error: Error): void => this.onerror?.(error);

  private readonly onInputEnd = (): void => this.finish({ by: "stdin-end" });

  private readonly onOutputError = (error: NodeJS.ErrnoException): void => {
    this.finish({ by: "stdout-error", code: error.code });
  };

  private dispatch(screened: Screened): void {
    if (screened.kind === "message") return this.onmessage?.(screened.message);
    if (screened.kind === "dropped") return this.log(`ignored ${screened.reason}`);
    // Written directly, not through `send`: an answer to a malformed line carries no result.
    this.stdout.write(serializeMessage(screened.reply), () => {});
  }

  /** Ends the connection once, whoever asks first; `onclose` runs once. */
  private finish(end: ConnectionEnd): void {
    if (this.ended !== undefined) return;
    this.ended = end;
    this.stdin.off("data", this.onData);
    this.stdin.off("error", this.onInputError);
    this.stdin.off("end", this.onInputEnd);
    this.stdin.off("close", this.onInputEnd);
    this.stdin.pause();
    this.onclose?.();
  }
}
