import type { ArchSyscalls } from "./linux-syscalls.js";

/** ioctl(2) NS_GET_USERNS (linux/nsfs.h): the user namespace that owns a namespace. */
const NS_GET_USERNS = 0xb701;

/**
 * Enters the namespaces given before the program, as nsenter --preserve-credentials does (every file opened
 * first, then entered in order; nstype 0: the file says which kind), so the command needs no nsenter exec.
 * `owner:PATH` names the user namespace that owns PATH's (bubblewrap, unprivileged, builds its namespaces in
 * one user namespace and runs the command in a second inside it, which no process holds open for us). A user
 * namespace the launcher is in already by then is skipped (setns would refuse it). Every identity is read
 * before the first setns: once in another mount namespace, /proc is that sandbox's.
 */
export function enterNamespacesPerl(setns: number): string {
  return [
    "my $n = shift @ARGV;",
    "my @ns = map { my $path = $_; my $owner = $path =~ s/^owner://;",
    '  open(my $f, "<", $path) or die "lanes: open $path: $!\\n";',
    `  if ($owner) { my $fd = ioctl($f, ${NS_GET_USERNS}, 0); defined $fd or die "lanes: the owner of $path: $!\\n";`,
    '    open($f, "<&=", $fd + 0) or die "lanes: the owner of $path: $!\\n" } $f } splice(@ARGV, 0, $n);',
    'my $user = readlink("/proc/self/ns/user") // "";',
    '@ns = grep { my $id = readlink("/proc/self/fd/" . fileno($_)) // ""; my $again = $id =~ /^user:/ && $id eq $user;',
    "  $user = $id if $id =~ /^user:/; !$again } @ns;",
    `for (@ns) { syscall(${setns}, fileno($_), 0) == 0 or die "lanes: setns: $!\\n"; close($_) }`,
  ].join(" ");
}

// prctl options and capset's header (linux/prctl.h, linux/capability.h).
const PR_CAPBSET_DROP = 24;
const PR_SET_NO_NEW_PRIVS = 38;
const PR_CAP_AMBIENT = 47;
const PR_CAP_AMBIENT_CLEAR_ALL = 4;
const CAPABILITY_VERSION_3 = 0x20080522;

/**
 * After entering a held sandbox's namespaces (the mount one resets the folder to its root): the command's
 * folder, then every capability dropped for good (the bounding set, the ambient ones, then capset to none)
 * and no_new_privs, as bubblewrap's `--cap-drop ALL` leaves a command it starts. Whatever the launcher forks
 * from here (the command) starts with nothing and cannot gain anything by an exec.
 */
export function heldSandboxPerl(calls: Pick<ArchSyscalls, "prctl" | "capset">): string {
  const { prctl, capset } = calls;
  return [
    'my $cwd = shift @ARGV; chdir($cwd) or die "lanes: cannot enter $cwd in the sandbox: $!\\n";',
    // Capabilities past the kernel's last one fail with EINVAL: harmless, so 0..63 needs no /proc read.
    `for my $cap (0 .. 63) { syscall(${prctl}, ${PR_CAPBSET_DROP}, $cap, 0, 0, 0) }`,
    `syscall(${prctl}, ${PR_CAP_AMBIENT}, ${PR_CAP_AMBIENT_CLEAR_ALL}, 0, 0, 0);`,
    // syscall() takes strings as buffers it may write: variables, not literals.
    `my ($head, $caps) = (pack("LL", ${CAPABILITY_VERSION_3}, 0), "\\0" x 24);`,
    `syscall(${capset}, $head, $caps) == 0 or die "lanes: capset: $!\\n";`,
    `syscall(${prctl}, ${PR_SET_NO_NEW_PRIVS}, 1, 0, 0, 0) == 0 or die "lanes: no_new_privs: $!\\n";`,
  ].join(" ");
}
