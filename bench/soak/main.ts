import { join } from "node:path";
import { runSoak } from "./run-soak.js";
import { soakTable } from "./soak-table.js";

// `node bin/run-ts.js bench/soak/main.ts [--minutes 3] [--seed 1] [--no-kills]` after `npm run build`: the
// soak alone; `--no-kills` is the control run, where every count must be 0 even on a broken crash path.
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  const value = at === -1 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} takes a positive number`);
  return value;
};
const result = await runSoak({
  cli: join(import.meta.dirname, "..", "..", "dist", "lanes.js"),
  durationMs: arg("--minutes", 10) * 60_000,
  seed: arg("--seed", 1),
  kills: !process.argv.includes("--no-kills"),
  log: (line) => console.log(line),
});
console.log(`\n${soakTable(result, 8)}`);
