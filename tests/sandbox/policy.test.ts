import { request } from "node:http";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import { hostAllowed, splitHostPort } from "../../src/sandbox/domains.js";
import { explainBwrapFailure } from "../../src/sandbox/probe.js";
import { FilteringProxy } from "../../src/sandbox/proxy.js";
import { writeFileSync, mkdirSync } from "node:fs";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("sandbox policy pieces", () => {
  it("matches domains exactly or as *.subdomains, never an IP for a name", () => {
    const list = ["github.com", "*.githubusercontent.com"];
    expect(hostAllowed("GitHub.com.", list)).toBe(true);
    expect(hostAllowed("api.github.com", list)).toBe(false);
    expect(hostAllowed("raw.githubusercontent.com", list)).toBe(true);
    expect(hostAllowed("githubusercontent.com", list)).toBe(false);
    expect(hostAllowed("evilgithubusercontent.com", list)).toBe(false);
    expect(hostAllowed("127.0.0.1", list)).toBe(false);
    expect(splitHostPort("[::1]:8080", 443)).toEqual({ host: "::1", port: 8080 });
    expect(splitHostPort("a.b:99999", 443)).toBeUndefined();
  });

  it("turns bwrap's complaints into why and how to fix, always offering the explicit way out", () => {
    const userns = explainBwrapFailure(
      "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces",
    );
    expect(userns).toMatch(/^user namespaces are refused here .*sysctl kernel\.unprivileged_userns_clone=1/);
    const proc = explainBwrapFailure("bwrap: Can't mount proc on /newroot/proc: Operation not permitted");
    expect(proc).toMatch(/^the sandbox cannot mount \/proc \(a nested or unprivileged container/);
    for (const line of [userns, proc, explainBwrapFailure("")])
      expect(line).toMatch(/--sandbox danger-full-access$/);
  });

  it("rejects a bad sandbox setting with the file and the key", () => {
    const ws = mkdtempSync(join(tmpdir(), "lanes-sbcfg-"));
    dirs.push(ws);
    mkdirSync(join(ws, ".lanes"));
    writeFileSync(
      join(ws, ".lanes", "config.json"),
      JSON.stringify({ sandbox_network: ["ok.dev", "no way"] }),
    );
    expect(() => loadConfig(ws, { HOME: ws })).toThrow(ConfigError);
    expect(() => loadConfig(ws, { HOME: ws })).toThrow(/sandbox_network/);
    writeFileSync(join(ws, ".lanes", "config.json"), JSON.stringify({ sandbox: "yolo" }));
    expect(() => loadConfig(ws, { HOME: ws })).toThrow(/config\.json: sandbox/);
  });

  it("the proxy answers garbage and refused targets without dialling, and survives both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lanes-proxy-"));
    dirs.push(dir);
    const dialled: string[] = [];
    const proxy = new FilteringProxy({
      allowed: ["ok.test"],
      connect: (host, port) => {
        dialled.push(host);
        return connect({ host: "127.0.0.1", port });
      },
    });
    const socketPath = join(dir, "p.sock");
    proxy.listen(socketPath);
    try {
      const raw = await new Promise<string>((resolve) => {
        const socket = connect(socketPath, () => socket.write("\x00\x01garbage\r\n\r\n"));
        let text = "";
        socket.on("data", (chunk) => (text += chunk.toString()));
        socket.on("close", () => resolve(text));
        socket.on("error", () => resolve(text));
      });
      expect(raw).not.toContain("200");
      const status = await new Promise<{ code: number; body: string }>((resolve) => {
        const req = request({ socketPath, method: "CONNECT", path: "evil.test:443" });
        req.on("connect", (res, socket) => {
          let body = "";
          socket.on("data", (chunk: Buffer) => (body += chunk.toString()));
          socket.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
        });
        req.end();
      });
      expect(status.code).toBe(403);
      expect(dialled).toEqual([]);
      expect(proxy.refused).toEqual(["evil.test"]);
    } finally {
      proxy.close();
    }
  });
});
