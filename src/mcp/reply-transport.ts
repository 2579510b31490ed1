import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { LineTransport, type LineTransportOptions } from "./line-transport.js";

/** What the transport tells about the replies it writes and the cancels it reads. */
export interface ReplyEvents {
  /** The response to request `id` was written to stdout (its write callback said so). */
  written(id: RequestId): void;
  /** The response to request `id` failed to write, or the client cancelled the request. */
  dropped(id: RequestId): void;
}

/**
 * The line transport, counting a reply sent only when the stream's write callback fired: "handed to the
 * transport" loses results when the client stops reading or closed its end. A failed write also ends the
 * connection (LineTransport), so the server stops.
 */
export class ReplyTransport extends LineTransport {
  constructor(
    private readonly events: ReplyEvents,
    options?: LineTransportOptions,
  ) {
    super(options);
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

  override async send(message: JSONRPCMessage): Promise<void> {
    const replyTo = "id" in message && ("result" in message || "error" in message) ? message.id : undefined;
    try {
      await super.send(message);
    } catch (error) {
      if (replyTo !== undefined) this.events.dropped(replyTo);
      throw error;
    }
    if (replyTo !== undefined) this.events.written(replyTo);
  }
}
