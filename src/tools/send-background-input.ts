import * as z from "zod";
import { inputRefusal, inputReply } from "../present/background-replies.js";
import { TaskInputError } from "../lanes/task-input.js";
import type { LaneManager } from "../lanes/lane-manager.js";
import { otherInputRefusal } from "../present/other-task-text.js";
import { defineTool, ToolError } from "./define-tool.js";
import type { SendBackgroundInputDetails } from "./tool-details.js";

const schema = z.object({
  task_id: z.string().describe("A running background task"),
  text: z.string().max(1_000_000).describe('Written to its stdin as is: end with "\\n" to press Enter'),
  close_stdin: z.boolean().optional().describe("Close stdin afterwards (end of input)"),
});

export function createSendBackgroundInputTool(lanes: LaneManager) {
  return defineTool({
    name: "send_background_input",
    description:
      "Write text to a running background task's stdin (answer a prompt, feed a REPL); optionally close it.",
    schema,
    async run(input, { signal }) {
      if (!lanes.get(input.task_id)) {
        const other = lanes.otherTask(input.task_id);
        throw new ToolError(
          other ? otherInputRefusal(other) : `No background task with id ${input.task_id}.`,
        );
      }
      let pending: boolean;
      try {
        ({ pending } = await lanes.sendInput(input.task_id, input.text, input.close_stdin ?? false, signal));
      } catch (error) {
        if (error instanceof TaskInputError) throw new ToolError(inputRefusal(error));
        throw new ToolError((error as Error).message);
      }
      const bytes = Buffer.byteLength(input.text);
      const details: SendBackgroundInputDetails = {
        task_id: input.task_id,
        bytes,
        closed_stdin: input.close_stdin ?? false,
        pending,
      };
      const content = inputReply(input.task_id, bytes, input.close_stdin ?? false, pending);
      return { content, details };
    },
  });
}
