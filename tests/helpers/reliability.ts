/** One row of docs/RELIABILITY.md: what a reliability test tried and what survived. */
export interface ReliabilityFigure {
  /** Section of the table: "Agents", "API faults", "Crashes", "Orphans", "Bad input", "Load", "Security". */
  area: string;
  /** What the test does, in a few words. */
  does: string;
  cases: number;
  faultsSurvived: number;
  processesLeft: number;
  itemsLost: number;
}

declare module "vitest" {
  interface TaskMeta {
    reliability?: ReliabilityFigure;
  }
}

/**
 * Attaches a figure to the running test; the reliability reporter writes every passed test's figure into
 * docs/RELIABILITY.md at the end of the run. Call it after the assertions, with counted values.
 */
export function recordReliability(
  task: { meta: { reliability?: ReliabilityFigure } },
  figure: ReliabilityFigure,
): void {
  task.meta.reliability = figure;
}
