import type { CarriedNotice } from "../delivery/ledger.js";
import type { Notification } from "../lanes/notification-queue.js";
import { noticeText, resultsBlock } from "./notice-text.js";

/** Said after a result that comes again because the reply that carried it was dropped once written. */
export const MAY_REPEAT = "(may repeat an earlier result)";

/** The `<background-results>` block a carrier adds; paths relative to `workspace` (null: absolute). */
export function carriedResultsBlock(
  workspace: string | null,
  carried: readonly CarriedNotice<Notification>[],
): string {
  return resultsBlock(
    carried.map(
      ({ notice, mayRepeat }) => `${noticeText(workspace, notice)}${mayRepeat ? ` ${MAY_REPEAT}` : ""}`,
    ),
  );
}
