import { chmodSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { hostAllowed, splitHostPort } from "./domains.js";

// node:http costs several ms to load; lanes' start-up does not need it, only the first filtered command does.
const http = (): typeof import("node:http") =>
  createRequire(import.meta.url)("node:http") as typeof import("node:http");

/** Opens the upstream connection; injectable so tests can map an "allowed domain" to a local server. */
export type Connector = (host: string, port: number) => Socket;

export interface ProxyOptions {
  allowed: readonly string[];
  connect?: Connector | undefined;
}

/** What a refused command reads (HTTP 403 body, and curl/npm/pip print the status): one line, says why. */
export function refusalText(host: string): string {
  return `lanes sandbox: network access to ${host} is not allowed (sandbox_network lists the allowed domains)\n`;
}

/**
 * The filtering proxy sandboxed commands reach through a unix socket: HTTPS as CONNECT tunnels, plain HTTP
 * as absolute-URI requests, both only to allowed domains. Everything else gets a 403 naming the host.
 * No TLS is terminated: it filters by the name the client asked for, and sees no content.
 */
export class FilteringProxy {
  private readonly server: Server;
  private readonly open = new Set<Duplex>();
  private readonly connector: Connector;
  /** Hosts refused so far (what `lanes sandbox` and tests report). */
  readonly refused: string[] = [];

  constructor(private readonly options: ProxyOptions) {
    this.connector = options.connect ?? ((host, port) => connect({ host, port }));
    this.server = http().createServer((req, res) => this.forward(req, res));
    this.server.on("connect", (req: IncomingMessage, client: Duplex, head: Buffer) =>
      this.tunnel(req, client, head),
    );
    this.server.on("connection", (socket: Socket) => {
      this.open.add(socket);
      socket.once("close", () => this.open.delete(socket));
    });
    // A client that misbehaves must never take lanes down.
    this.server.on("clientError", (_error, socket: Duplex) => socket.destroy());
  }

  /** Listens on a unix socket only lanes' user can reach. Synchronous enough: Node binds pipes at once. */
  listen(socketPath: string): void {
    rmSync(socketPath, { force: true });
    this.server.listen(socketPath);
    chmodSync(socketPath, 0o600);
    // The proxy serves commands, it must not keep lanes alive.
    this.server.unref();
  }

  close(): void {
    this.server.close();
    for (const socket of this.open) socket.destroy();
  }

  private allow(host: string): boolean {
    const ok = hostAllowed(host, this.options.allowed);
    if (!ok) this.refused.push(host);
    return ok;
  }

  private tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void {
    client.on("error", () => client.destroy());
    const target = splitHostPort(req.url ?? "", 443);
    if (!target || !this.allow(target.host)) {
      const body = refusalText(target?.host ?? String(req.url));
      client.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    const upstream = this.connector(target.host, target.port);
    this.open.add(upstream);
    upstream.once("close", () => this.open.delete(upstream));
    let connected = false;
    upstream.once("connect", () => {
      connected = true;
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", (error) => {
      if (!connected && client.writable)
        client.end(`HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\nlanes sandbox: ${error.message}\n`);
      else client.destroy();
    });
    client.once("close", () => upstream.destroy());
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "");
    } catch {
      res
        .writeHead(400, { "Content-Type": "text/plain" })
        .end("lanes sandbox: the proxy needs an absolute URL\n");
      return;
    }
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
    if (url.protocol !== "http:" || !this.allow(host)) {
      res.writeHead(403, { "Content-Type": "text/plain" }).end(refusalText(host));
      return;
    }
    const port = Number(url.port || 80);
    const upstream = http().request({
      createConnection: () => this.connector(host, port),
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...req.headers, host: url.host },
    });
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", (error) => {
      if (!res.headersSent) res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(`lanes sandbox: ${error.message}\n`);
    });
    req.pipe(upstream);
  }
}
