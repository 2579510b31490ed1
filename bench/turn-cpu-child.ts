// Run by bench/agents-turn-cpu.ts under the node flags being compared: the CPU of a worker's own work.
import { useLightHttp } from "../src/cli/agent-worker-http.js";
import { createAnthropicProvider } from "../src/model/anthropic-provider.js";
import type { ModelRequest } from "../src/model/types.js";
import { unifiedDiff } from "../src/tools/file-diff.js";

const [url, turnsArg] = process.argv.slice(2);
const turns = Number(turnsArg);
useLightHttp();
const provider = createAnthropicProvider({ model: "claude-bench", apiKey: "bench", baseURL: url });
const request: ModelRequest = {
  system: "bench",
  messages: [{ role: "user", content: [{ type: "text", text: "turn" }] }],
  tools: [],
  maxTokens: 32_000,
};
const turn = async (): Promise<void> => {
  let chars = 0;
  const reply = await provider.createTurn(request, { onTextDelta: (delta) => (chars += delta.length) });
  if (chars === 0 || reply.content.length === 0) throw new Error("turn-cpu: an empty turn");
};
const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
// The first turns load and compile the HTTP and SDK code, as a worker's first turns do.
for (let i = 0; i < 3; i++) await turn();
const turnsFrom = process.cpuUsage();
for (let i = 0; i < turns; i++) await turn();
const turnMs = cpuMs(turnsFrom) / turns;
// An edit's diff of a 20,000-line file: the heaviest plain JavaScript a worker's tools run.
const lines = Array.from(
  { length: 20_000 },
  (_, i) => `const value${i} = compute(${i}, "${"abc".repeat(i % 7)}");`,
);
const after = lines.map((line, i) => (i % 500 === 0 ? `${line} // changed` : line)).join("\n");
unifiedDiff("a.ts", lines.join("\n"), after);
const diffFrom = process.cpuUsage();
for (let i = 0; i < 3; i++) unifiedDiff("a.ts", lines.join("\n"), after);
process.stdout.write(JSON.stringify({ turnMs, diffMs: cpuMs(diffFrom) / 3 }));
