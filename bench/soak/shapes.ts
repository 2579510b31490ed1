import type { Random } from "./random.js";

/** The kinds of task the soak's model starts, each a case the issue saw go wrong. */
export const SHAPES = [
  "quick",
  "fail",
  "ignore-term",
  "children",
  "setsid",
  "timeout",
  "flood",
  "persist",
] as const;
export type Shape = (typeof SHAPES)[number];

/** Where the soak keeps its files inside the workspace (relative: commands run there, in the sandbox). */
export const SOAK_DIR = "soak";
export const TRUTH_DIR = `${SOAK_DIR}/truth`;
const SCRIPT = `${SOAK_DIR}/task.sh`;

/** Set on every task process (command prefix, inherited by children and setsid escapees). */
export const RUN_VARIABLE = "SOAK_RUN";
export const TAG_VARIABLE = "SOAK_TAG";

/**
 * The one script every task runs. It writes its own truth, outside lanes: `TAG.start` with its pid, then
 * `TAG.end` with `exit N` (EXIT trap) or `signal TERM` (TERM trap, then it dies of TERM itself). A KILL
 * leaves no `.end`: nothing can run then. The traps are set before `.start` is written: a TERM that lands
 * before them ends the shell by default, and with `.start` already there it would read as a KILL.
 */
export const TASK_SCRIPT = `t="${TRUTH_DIR}/$1"; shape=$2; shift 2
trap 'echo "exit $?" > "$t.end"' EXIT
trap 'trap - TERM EXIT; echo "signal TERM" > "$t.end"; kill -TERM $$' TERM
echo $$ > "$t.start"
case $shape in
  quick) echo "quick $1"; exit 0 ;;
  fail) sleep "$1"; echo "failing with $2"; exit "$2" ;;
  ignore-term) trap '' TERM; sleep "$1"; echo "ignored TERM, exit $2"; exit "$2" ;;
  children) sleep "$1" & sleep "$1" & wait; echo "children done"; exit 0 ;;
  setsid) setsid sleep "$1" & sleep 0.3; echo "left a setsid sleep $1"; exit 0 ;;
  timeout) sleep "$1"; echo "outlived its timeout"; exit 0 ;;
  flood) head -c "$1" /dev/zero | tr '\\0' x; echo; exit 0 ;;
  persist) sleep "$1"; echo "persisted"; exit 0 ;;
esac
echo "unknown shape $shape"; exit 99
`;

export interface PlannedTask {
  tag: string;
  shape: Shape;
  /** background_run's input, as the model sends it. */
  input: { command: string; timeout_ms?: number; persist?: boolean };
}

const seconds = (random: Random, min: number, max: number): string =>
  (min + random.next() * (max - min)).toFixed(2);

function argsFor(shape: Shape, random: Random): string[] {
  switch (shape) {
    case "quick":
      return [String(random.int(0, 999))];
    case "fail":
      return [seconds(random, 0, 1), String(random.int(1, 9))];
    case "ignore-term":
      return [seconds(random, 0.5, 3), String(random.int(0, 5))];
    case "children":
      return [seconds(random, 0.3, 2)];
    case "setsid":
      return [seconds(random, 1, 4)];
    case "timeout":
      return ["30"];
    case "flood":
      return [String(random.int(200_000, 3_000_000))];
    case "persist":
      return [seconds(random, 1, 4)];
  }
}

/** One task of a random shape of `shapes`; `run` marks its processes, `tag` names its truth files. */
export function planTask(
  random: Random,
  run: string,
  tag: string,
  shapes: readonly Shape[] = SHAPES,
): PlannedTask {
  const shape = random.pick(shapes);
  const args = argsFor(shape, random).join(" ");
  const command = `${RUN_VARIABLE}=${run} ${TAG_VARIABLE}=${tag} sh ${SCRIPT} ${tag} ${shape} ${args}`;
  const input: PlannedTask["input"] = { command };
  if (shape === "timeout") input.timeout_ms = random.int(500, 2000);
  if (shape === "persist") input.persist = true;
  return { tag, shape, input };
}

/** The tag a command carries (`SOAK_TAG=t12`), if it is one of the soak's. */
export function tagOf(text: string): string | undefined {
  return /\bSOAK_TAG=(t\d+)\b/.exec(text)?.[1];
}
