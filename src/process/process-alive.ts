/** Whether a pid names a live process (EPERM: alive, owned by someone else). Pids get reused: callers that
 * care whose process it is check more (its command line, its marker). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
