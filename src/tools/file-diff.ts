/** Lines of context around each change, as `diff -u` and git show. */
const CONTEXT_LINES = 3;
// Above this many compared line pairs, the changed middle is shown as removed then added (no LCS table).
const MAX_COMPARED_PAIRS = 4_000_000;
/** A diff longer than this is cut; the file itself is written whole. */
const MAX_DIFF_CHARS = 64 * 1024;

type Op = { kind: " " | "-" | "+"; text: string };

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Edit script of the middle that differs, by longest common subsequence. */
function middleOps(before: string[], after: string[]): Op[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_COMPARED_PAIRS) {
    return [
      ...before.map((text): Op => ({ kind: "-", text })),
      ...after.map((text): Op => ({ kind: "+", text })),
    ];
  }
  // common[i][j]: length of the LCS of before[i..] and after[j..], in one flat array.
  const width = m + 1;
  const common = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i * width + j] =
        before[i] === after[j]
          ? common[(i + 1) * width + j + 1]! + 1
          : Math.max(common[(i + 1) * width + j]!, common[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      ops.push({ kind: " ", text: before[i++]! });
      j++;
    } else if (i < n && (j === m || common[(i + 1) * width + j]! >= common[i * width + j + 1]!)) {
      // Removed lines before added ones, as diff -u prints them.
      ops.push({ kind: "-", text: before[i++]! });
    } else {
      ops.push({ kind: "+", text: after[j++]! });
    }
  }
  return ops;
}

function editScript(before: string[], after: string[]): Op[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (
    end < before.length - start &&
    end < after.length - start &&
    before[before.length - 1 - end] === after[after.length - 1 - end]
  )
    end++;
  const same = (lines: string[]): Op[] => lines.map((text) => ({ kind: " ", text }));
  return [
    ...same(before.slice(0, start)),
    ...middleOps(before.slice(start, before.length - end), after.slice(start, after.length - end)),
    ...same(before.slice(before.length - end)),
  ];
}

function hunkRange(start: number, count: number): string {
  // diff -u numbers an empty range by the line before it.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * A unified diff (`diff -u` / git format) of one file's text; `before` null for a new file. Line endings
 * are compared as they are, so a CRLF change shows. Empty when nothing changed.
 */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  const old = splitLines(before ?? "");
  const ops = editScript(old, splitLines(after));
  const changed = ops.map((op, at) => (op.kind === " " ? -1 : at)).filter((at) => at >= 0);
  if (changed.length === 0) {
    if ((before ?? "") === after) return "";
    return `--- a/${path}\n+++ b/${path}\n(only the line break at the end of the file changed)\n`;
  }
  const out = [before === null ? "--- /dev/null" : `--- a/${path}`, `+++ b/${path}`];
  let index = 0;
  while (index < changed.length) {
    const first = Math.max(0, changed[index]! - CONTEXT_LINES);
    let last = changed[index]!;
    while (index + 1 < changed.length && changed[index + 1]! - last <= 2 * CONTEXT_LINES + 1)
      last = changed[++index]!;
    index++;
    const stop = Math.min(ops.length, last + CONTEXT_LINES + 1);
    // Line numbers where the hunk starts: count the lines each side had before it.
    let oldStart = 0;
    let newStart = 0;
    for (const op of ops.slice(0, first)) {
      if (op.kind !== "+") oldStart++;
      if (op.kind !== "-") newStart++;
    }
    const body = ops.slice(first, stop);
    const oldCount = body.filter((op) => op.kind !== "+").length;
    const newCount = body.filter((op) => op.kind !== "-").length;
    out.push(`@@ -${hunkRange(oldStart, oldCount)} +${hunkRange(newStart, newCount)} @@`);
    for (const op of body) out.push(`${op.kind}${op.text}`);
  }
  const text = `${out.join("\n")}\n`;
  if (text.length <= MAX_DIFF_CHARS) return text;
  const kept = text.slice(0, MAX_DIFF_CHARS).replace(/[^\n]*$/, "");
  return `${kept}… diff cut at ${MAX_DIFF_CHARS / 1024} KB (${text.split("\n").length - kept.split("\n").length} more lines)\n`;
}
