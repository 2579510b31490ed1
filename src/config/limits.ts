/**
 * The longest delay a Node timer honours: setTimeout fires after 1 ms for anything larger (with a warning),
 * so every configurable duration is capped here rather than in one place and forgotten in the others.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
