import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
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
