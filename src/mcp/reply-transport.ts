import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

/** What the transport tells about the replies it writes and the cancels it reads. */
export interface ReplyEvents {
  /** The response to request `id` was written to stdout (its write callback said so). */
  written(id: RequestId): void;
  /** The response to request `id` failed to write, or the client cancelled the request. */
  dropped(id: RequestId): void;
  /** stdout is broken (EPIPE, closed): nothing more can reach the client. */
  broken(error: Error): void;
}

/**
 * The stdio transport, counting a reply sent only when the stream's write callback fired: "handed to the
 * transport" loses results when the client stops reading or closed its end. One write callback per
 * message, so no `drain` listeners pile up behind a client that stopped reading.
 */
export class ReplyTransport extends StdioServerTransport {
  private brokenBy: Error | undefined;

  constructor(
    private readonly events: ReplyEvents,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    super(process.stdin, stdout as never);
    stdout.on("error", (error: Error) => this.markBroken(error));
  }

  override async start(): Promise<void> {
    await super.start();
    // A cancel that arrives after the reply was written is ignored by the SDK, but the client ignores that
    // reply: its results must come again. Seen here, before the SDK dispatches the notification.
    const dispatch = this.onmessage;
    this.onmessage = (message: JSONRPCMessage) => {
      if ("method" in message && message.method === "notifications/cancelled") {
        const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (requestId !== undefined) this.events.dropped(requestId);
      }
      dispatch?.(message);
    };
  }

  override send(message: JSONRPCMessage): Promise<void> {
    const replyTo = "id" in message && ("result" in message || "error" in message) ? message.id : undefined;
    return new Promise((resolve, reject) => {
      const fail = (error: Error): void => {
        if (replyTo !== undefined) this.events.dropped(replyTo);
        this.markBroken(error);
        reject(error);
      };
      if (this.brokenBy) return fail(this.brokenBy);
      this.stdout.write(serializeMessage(message), (error) => {
        if (error) return fail(error);
        if (replyTo !== undefined) this.events.written(replyTo);
        resolve();
      });
    });
  }

  private markBroken(error: Error): void {
    if (this.brokenBy) return;
    this.brokenBy = error;
    this.events.broken(error);
  }
}
