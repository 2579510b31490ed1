import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { LineTransport, type LineTransportOptions } from "./line-transport.js";

/**
 * The stdio transport, telling `onReply` of each response the moment it is handed over: that is when a
 * reply counts as sent. The SDK drops the reply of a cancelled request before this point, never after.
 */
export class ReplyTransport extends LineTransport {
  constructor(
    private readonly onReply: (id: RequestId, isResult: boolean) => void,
    options?: LineTransportOptions,
  ) {
    super(options);
  }

  override send(message: JSONRPCMessage): Promise<void> {
    const sending = super.send(message);
    // A response (not a request: those have a method) to one of the client's requests.
    if ("id" in message && message.id !== undefined && ("result" in message || "error" in message))
      this.onReply(message.id, "result" in message);
    return sending;
  }
}
