import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";

export interface MachineInfo {
  cpus: number;
  model: string;
  total_mem_gb: number;
  node: string;
  platform: string;
  kernel: string;
  date: string;
  /** 1, 5 and 15 minute load averages: the machine is shared, so others' load is part of the conditions. */
  load_avg_start: number[];
  load_avg_end?: number[];
  /** Kernel autogroup scheduling: each session is a scheduling group (lanes' tasks stay in lanes' session). */
  sched_autogroup: boolean | null;
}

function autogroupEnabled(): boolean | null {
  try {
    return readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
  } catch {
    return null;
  }
}

export function loadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}

/** The machine the figures were measured on; targets are set for a 2-core machine. */
export function describeMachine(): MachineInfo {
  const list = cpus();
  return {
    cpus: list.length,
    model: list[0]?.model.trim() ?? "unknown",
    total_mem_gb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    kernel: release(),
    date: new Date().toISOString(),
    load_avg_start: loadAverage(),
    sched_autogroup: autogroupEnabled(),
  };
}
