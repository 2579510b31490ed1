// One parallel-wall run in a process of its own (bench/parallel-wall.ts's cold runs): its phases as JSON.
import { scriptedRun } from "./parallel-wall.js";

const k = Number(process.argv[2] ?? 3);
const phases = await scriptedRun(k, "background_run");
process.stdout.write(`${JSON.stringify(phases)}\n`);
