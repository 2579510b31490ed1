import type { AgentsResult } from "./agents.js";

/**
 * Where an agent's start goes: a reading of `node --cpu-prof` profiles (not re-measured by each bench run),
 * with the bench's own /proc figures of the run beside it.
 */
export function agentStartSection(a: AgentsResult | undefined): string[] {
  if (!a) return [];
  const { fanOut: o, firstRequest: f } = a;
  return [
    "## Where an agent's start goes",
    "",
    `This run: a worker had used ${f.workerCpuMs ?? "?"} ms of CPU when its first request arrived (alone), ${o.cpuToFirstRequestMs ?? "?"} ms in the fan-out (three at once) and ${o.cpuToWaitMs ?? "?"} ms when it began to wait on its sleep (with its helpers, the whole process tree: ${o.treeCpuToFirstRequestMs ?? "?"} and ${o.treeCpuToWaitMs ?? "?"} ms); the parent recorded an agent's end ${o.endAfterLastRequestMs ?? "?"} ms after its last request.`,
    "",
    "Profiled 2026-12-06 (`node --cpu-prof` on the parent, handed down to the worker; one agent that runs `background_run sleep 2`, code cache in use; load ~14, so every figure is inflated about alike). The worker, in order:",
    "- node's start, the ESM entry and the built-ins it imports: ~100 ms;",
    "- reading the bundle and V8's code cache: ~50 ms (36 ms of it deserialising the cache);",
    "- the bundle's top level: ~100 ms with GC, mostly zod schemas built at load (tool inputs, config, records);",
    "- the spec's parse and the Session (lane manager, task store, compaction settings, hooks): ~75 ms;",
    "- the first request: ~130 ms, ~100 of it node loading its built-in fetch (undici with node:http, http2, tls), which the SDK's use of the global `Headers` needs anyway;",
    "- the first command: ~310 ms: the worker's own shared network (unshare holder and port publisher, ~100 ms), the mount-point protection (~95 ms), its fork server (~100 ms, 56 of it `mkfifo` through spawnSync). Most of it is wall, not CPU: side by side in one run (session 6, load 31-38, 3 rounds each), a worker's process tree had used 640 ms of CPU when it began to wait with the default sandbox, 640 with `sandbox_network: \"on\"` (no holder, no proxy) and 610 with no sandbox at all. Tried in session 6 and reverted: starting the worker's fork server when its session opens (the fan-out's wall did not move side by side, and 20-30 ms of CPU moved ahead of the first request). Kept: a sandboxed command asks for the fork server before the sandbox wraps it, so a first start's perl comes up during the wrap. A profile of a first sandboxed command (the parent's own, load 12): the wrap 428 ms (shared network 204, 94 of it waiting for the holder; the probe 121, which a worker does not run; mount-point protection 66, 26 of it looking for nested checkouts; the proxy 29), then the fork server 183 (its start 59, 40 of it `mkfifo`; the wait for its first reply 88, now overlapped). Tried and reverted (no difference measurable at load 7-12, commit 66697db): spawning the holder before the protection and waiting for it after;",
    "- its end: the shutdown's mount-point sweep (~75 ms); then, until 2026-12-06, up to 250 ms idle: the poll that sweeps a command's group after its exit kept the event loop alive (now an empty group is looked at once, 50 ms after the exit).",
    "",
    "The parent, per `agent_run`: its fork server's start (~130 ms, once) comes before the first worker's spawn, and until session 6 the sandbox probe did too (~75 ms, once per tree; now run in the background, its answer written into the specs and taken by each worker at its first sandboxed command); then per agent the spec, the slot claim, the record and the fork server's reply. With 20 agents, each agent's end cost the parent a read and parse of every task record of the workspace (endSubtree, ~1 s of samples over 20 ends; now skipped when the worker recorded its own end) and the escape sweep's /proc scan (~1.3 s of samples: a scan per 200 ms batch, on the main thread when ends are more than 1 s apart).",
    "",
    'Garbage collection, read with `--trace-gc` (session 6, one agent, load ~20): before it began to wait the worker ran 15 scavenges and one Mark-Compact ("reduce", `--optimize-for-size` keeps the old space small), 80-135 ms of pauses in all; with `--initial-old-space-size=20` the Mark-Compact is gone (35-40 ms), but its RSS while waiting rose by 2 MB (57.4 to 59.4 MB, against the 60 MB target), so it is not kept. `--max-semi-space-size` of 2 or 4 and `--min-semi-space-size=2` changed neither the count of scavenges nor the CPU.',
    "",
    "What would move the fan-out to ≤ 1.5: less CPU per worker before its sleep starts (three workers' ~500 ms each share two cores). The parts above are each needed by the first request or the first command; the structural options are a worker that keeps its sandbox network and fork server across agents (agents of one session hosted in one process), or a warm worker started before it is needed.",
  ];
}
