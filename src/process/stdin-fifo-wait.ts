/**
 * Perl, run just before a forked task's command is exec'd: a read from a FIFO no writer has opened yet is EOF,
 * so a command reading its input at once (`while read`) would end before lanes opened the task's stdin. lanes
 * removes the FIFO's name once it has (or could not), right after the fork server's answer; the command starts
 * only then. The server's child names the FIFO in `$::stdin_fifo`; empty or unset (a spawned launcher, whose
 * stdin is a pipe node made), nothing is waited for. Polled every 0.2 ms, at most 10 s (a lanes that died).
 */
export const STDIN_FIFO_WAIT =
  'my $waits = 0; select(undef, undef, undef, 0.0002) while ($::stdin_fifo // "") ne "" && -e $::stdin_fifo && ++$waits < 50000;';
