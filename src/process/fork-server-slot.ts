import { ForkServer } from "./fork-server.js";
import { findPerl } from "./own-group-launch.js";

/** Where launches get the fork server: `get` starts one when there is none (or it died), undefined if none can be. */
export interface ForkServerSource {
  get(): ForkServer | undefined;
  /** Told why a launch was refused (it was spawned instead). */
  refused?(why: string): void;
}

/**
 * One lane manager's fork server, started lazily at its first task (outside every task's group) and again
 * after one died. Where none can start (no perl, no FIFOs), every task gets a perl of its own, as before.
 */
export class ForkServerSlot implements ForkServerSource {
  private server: ForkServer | undefined;
  private unavailable = false;
  /** Why the last launch it refused fell back to a spawn (what a test's failure message shows). */
  lastRefusal: string | undefined;

  refused(why: string): void {
    this.lastRefusal = why;
  }

  get(): ForkServer | undefined {
    if (this.unavailable) return undefined;
    if (this.server?.alive) return this.server;
    const perl = findPerl();
    try {
      if (perl !== null) return (this.server = ForkServer.start(perl));
    } catch {
      // No FIFO could be made here: the per-task perl it is.
    }
    this.unavailable = true;
    return undefined;
  }

  /** Ends the server (its running tasks go on, watched by pid); no new one starts after this. */
  close(): void {
    this.unavailable = true;
    this.server?.close();
    this.server = undefined;
  }
}
