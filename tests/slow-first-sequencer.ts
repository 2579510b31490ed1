import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { SLOW_FILE_SECONDS } from "./slow-files.js";

/**
 * Starts the known slow files first, longest first, then the rest in vitest's own order (its cached
 * durations locally, file size on a fresh clone): with two workers, a long file started last is the tail.
 */
export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rest = await super.sort(files);
    const seconds = (file: TestSpecification): number =>
      SLOW_FILE_SECONDS[relative(file.project.config.root, file.moduleId).split("\\").join("/")] ?? 0;
    // Array sort is stable: files with equal (or no) known seconds keep vitest's order.
    return rest.sort((a, b) => seconds(b) - seconds(a));
  }
}
