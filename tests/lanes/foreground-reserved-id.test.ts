import { expect, it } from "vitest";
import { runForeground } from "../../src/lanes/foreground.js";
import { useLaneFixture } from "../helpers/lane-fixture.js";

// A foreground command reserves an id (its marker, and its task id if it is moved into a lane). The runner
// owns that reservation and releases it when the command is done: every plain `bash` call leaked one.
const ws = useLaneFixture();

it("plain foreground commands leave no id reserved once they finished", async () => {
  const m = ws.manager();
  expect(m.reservedIdCount).toBe(0);
  for (const command of ["true", "exit 3", "echo hi"]) {
    const outcome = await runForeground(m, { command, signal: new AbortController().signal });
    expect(outcome.kind).toBe("finished");
  }
  expect(m.reservedIdCount).toBe(0);
});

it("a command moved into a lane keeps its reserved id as its task id, and the reservation is released", async () => {
  const m = ws.manager();
  const outcome = await runForeground(m, {
    command: "sleep 0.3",
    backgroundAfterMs: 50,
    signal: new AbortController().signal,
  });
  expect(outcome.kind).toBe("backgrounded");
  if (outcome.kind !== "backgrounded") return;
  expect(m.reservedIdCount).toBe(0);
  const ended = await m.whenEnded(outcome.record.id);
  expect(ended.status).toBe("completed");
});
