import { existsSync, readFileSync } from "node:fs";

/**
 * Perl that says `ready` (a file), then at a TERM resets its handler, cleans up for `seconds` (writing `clean`)
 * and re-raises. Perl blocks a signal while its handler runs: unblocked here, as a shell's trap leaves it, so a
 * second TERM at any moment of the cleanup ends it. What tests of "one TERM per process" TERM.
 */
export const cleaningPerl = (ready: string, clean: string, seconds: number): string =>
  `use POSIX; $SIG{TERM} = sub { $SIG{TERM} = "DEFAULT"; sigprocmask(SIG_UNBLOCK, POSIX::SigSet->new(SIGTERM)); sleep ${seconds}; open(my $f, ">", "${clean}"); print $f "cleaned"; close $f; kill "TERM", $$ }; open(my $r, ">", "${ready}"); close $r; sleep 1 while 1;`;

/** A file's text, trimmed; "" while it does not exist. */
export const readTrimmed = (path: string): string =>
  existsSync(path) ? readFileSync(path, "utf8").trim() : "";
