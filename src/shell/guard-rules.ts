import { isProtectedPath, isRawDiskDevice } from "./protected-paths.js";
import { commandName } from "./wrappers.js";

const POWER = new Set(["shutdown", "reboot", "halt", "poweroff"]);

function splitArgs(args: string[]): { short: string; long: string[]; operands: string[] } {
  const result = { short: "", long: [] as string[], operands: [] as string[] };
  for (const [index, arg] of args.entries()) {
    if (arg === "--") return { ...result, operands: [...result.operands, ...args.slice(index + 1)] };
    if (arg.startsWith("--")) result.long.push(arg.split("=")[0] ?? arg);
    else if (arg.startsWith("-") && arg.length > 1) result.short += arg.slice(1);
    else result.operands.push(arg);
  }
  return result;
}

/** Downloads or decodes a payload: the first half of `curl ... | sh`. */
export function isFetcher(words: string[]): boolean {
  const name = commandName(words);
  const { short, long } = splitArgs(words.slice(1));
  if (name === "curl" || name === "wget") return true;
  if (name === "base64") return /[dD]/.test(short) || long.includes("--decode");
  if (name === "openssl") return words.includes("-d");
  return name === "xxd" && short.includes("r");
}

/** Why a command (already unwrapped) is one of the well-known disasters, or null. */
export function checkWords(words: string[]): string | null {
  const name = commandName(words);
  const args = words.slice(1);
  const { short, long, operands } = splitArgs(args);
  const protectedTarget = operands.find(isProtectedPath);
  const recursive = (letters: string) =>
    [...letters].some((l) => short.includes(l)) || long.includes("--recursive");
  const noPreserveRoot = long.includes("--no-preserve-root");
  if (name === "rm" && recursive("rR") && (protectedTarget !== undefined || noPreserveRoot)) {
    return `rm -r on ${protectedTarget ?? "/"}: deleting the root, a home or a system folder is blocked`;
  }
  if (["chmod", "chown", "chgrp"].includes(name) && recursive("R") && protectedTarget !== undefined) {
    return `${name} -R on ${protectedTarget}: changing a whole system or home tree is blocked`;
  }
  if (name === "find") {
    const firstTest = args.findIndex((a) => /^[-(!]/.test(a));
    const starts = firstTest === -1 ? args : args.slice(0, firstTest);
    const execRm = args.some(
      (a, i) => /^-(exec|execdir|ok)$/.test(a) && commandName(args.slice(i + 1)) === "rm",
    );
    const root = starts.find(isProtectedPath);
    if (root !== undefined && (args.includes("-delete") || execRm))
      return `find ${root} with -delete/-exec rm is blocked`;
  }
  if (name.startsWith("mkfs") || name === "mke2fs" || name === "wipefs")
    return `${name} formats or wipes a disk`;
  const disk = args.find((a) => a.startsWith("of=") && isRawDiskDevice(a.slice(3)));
  if (name === "dd" && disk !== undefined) return `dd ${disk} writes to a raw disk device`;
  const diskOperand = operands.find(isRawDiskDevice);
  if ((name === "tee" || name === "shred") && diskOperand)
    return `${name} ${diskOperand} writes to a raw disk device`;
  if (POWER.has(name)) return `${name} powers off or restarts the machine`;
  if ((name === "init" || name === "telinit") && operands.some((a) => a === "0" || a === "6")) {
    return `${name} ${operands.join(" ")} powers off or restarts the machine`;
  }
  if (name === "systemctl" && operands.some((a) => ["poweroff", "reboot", "halt", "kexec"].includes(a))) {
    return `systemctl ${operands.join(" ")} powers off or restarts the machine`;
  }
  return null;
}
