import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { processAlive } from "../process/process-alive.js";
import { PORTS_FILE_SUFFIX } from "../sandbox/port-publisher.js";
import { isTerminal, type TaskRecord } from "./task-record.js";

/** A port a task listens on in the sandbox, and where the host reaches it (another when that port was taken). */
export interface PublishedPort {
  inside: number;
  host: number;
}

/**
 * The ports a running task's sandbox publishes on the host's 127.0.0.1, as its publisher last wrote them next
 * to the task's record (`<id>.ports`: the publisher's pid, then `inside host` per line). None for a task
 * that ended, or when that publisher is gone (its file is stale).
 */
export function publishedPorts(record: TaskRecord): PublishedPort[] {
  if (isTerminal(record.status)) return [];
  let text: string;
  try {
    text = readFileSync(join(dirname(record.exit_file), `${record.id}${PORTS_FILE_SUFFIX}`), "utf8");
  } catch {
    return [];
  }
  const [publisher, ...lines] = text.split("\n");
  const pid = Number(publisher);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return [];
  const ports: PublishedPort[] = [];
  for (const line of lines) {
    const match = /^(\d+) (\d+)$/.exec(line);
    if (match) ports.push({ inside: Number(match[1]), host: Number(match[2]) });
  }
  return ports;
}

/** `listening on 127.0.0.1:8765`, saying so when a port was taken on the host and published on another. */
export function listeningText(ports: readonly PublishedPort[]): string | undefined {
  if (ports.length === 0) return undefined;
  const addresses = ports.map(({ inside, host }) =>
    inside === host ? `127.0.0.1:${host}` : `127.0.0.1:${host} (port ${inside} is taken on the host)`,
  );
  return `listening on ${addresses.join(", ")}`;
}

/**
 * A task that runs until it is killed: a persisted one, or one listening on a port (a dev server). A wait for
 * "every running task" does not wait for these: they would hold it to its timeout.
 */
export function runsAsServer(record: TaskRecord): boolean {
  return record.persist || publishedPorts(record).length > 0;
}
