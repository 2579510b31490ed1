import { join } from "node:path";
import { runSoak } from "./run-soak.js";
import { SHAPES, type Shape } from "./shapes.js";
import { soakTable } from "./soak-table.js";

// `node bin/run-ts.js bench/soak/main.ts [--minutes 3] [--seed 1] [--rounds N] [--shapes persist,setsid]
// [--no-kills] [--keep]` after `npm run build`: the soak alone; `--no-kills` is the control run, where every
// count must be 0 even on a broken crash path; `--keep` keeps a failing run's workspace (records, logs).
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number`);
  return value;
};
const shapesArg = (): readonly Shape[] => {
  const at = process.argv.indexOf("--shapes");
  if (at === -1) return SHAPES;
  const named = String(process.argv[at + 1]).split(",");
  const unknown = named.filter((name) => !(SHAPES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`--shapes: unknown ${unknown.join(", ")} (known: ${SHAPES.join(", ")})`);
  return named as Shape[];
};
const result = await runSoak({
  cli: join(import.meta.dirname, "..", "..", "dist", "lanes.js"),
  durationMs: arg("--minutes", 10) * 60_000,
  seed: arg("--seed", 1),
  shapes: shapesArg(),
  kills: !process.argv.includes("--no-kills"),
  keepFailed: process.argv.includes("--keep"),
  log: (line) => console.log(line),
  ...(process.argv.includes("--rounds") ? { rounds: arg("--rounds", 1) } : {}),
});
console.log(`\n${soakTable(result, 8)}`);
