/** Quiet time before a question takes keys: nobody reads a question faster, and typists pause less. */
export const ARMING_MS = 700;

/**
 * Keeps a question from being answered by keys meant for something else: it arms once ARMING_MS passed
 * since it appeared and since the last key; every key before that (typing ahead) starts the wait again.
 */
export class ArmingClock {
  private timer: NodeJS.Timeout | undefined;
  private ready = false;

  constructor(
    /** Called each time the question arms (to show the answer keys). */
    private readonly onArmed: () => void,
    private readonly quietMs = ARMING_MS,
  ) {}

  get armed(): boolean {
    return this.ready;
  }

  /** The question appeared, or a key came too soon: wait for quiet again from now. */
  restart(): void {
    clearTimeout(this.timer);
    this.ready = false;
    this.timer = setTimeout(() => {
      this.ready = true;
      this.onArmed();
    }, this.quietMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.ready = false;
  }
}
