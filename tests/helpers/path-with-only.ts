import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";

/** A folder to use as PATH that holds only these programs (links to the machine's): what a test leaves out. */
export function pathWithOnly(dir: string, programs: string[]): string {
  const bin = join(dir, "bin");
  mkdirSync(bin, { recursive: true });
  for (const program of programs) {
    const found = execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8" }).trim();
    symlinkSync(found, join(bin, program));
  }
  return bin;
}

/** A folder to use as PATH that holds every program of PATH (links to the machine's) except these. */
export function pathWithout(dir: string, programs: string[], path = process.env.PATH ?? ""): string {
  const bin = join(dir, "bin-without");
  mkdirSync(bin, { recursive: true });
  const linked = new Set(programs);
  for (const folder of path.split(":").filter((entry) => entry.startsWith("/"))) {
    let names: string[] = [];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      if (linked.has(name)) continue;
      linked.add(name);
      symlinkSync(join(folder, name), join(bin, name));
    }
  }
  return bin;
}
