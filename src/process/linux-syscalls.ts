/**
 * The Linux system call numbers lanes' perl calls by number (perl's POSIX module costs more to load than the
 * rest, and each fork of the fork server paid for it), per Node architecture. `signals`: rt_sigprocmask(2)
 * and rt_sigpending(2), where known; without them the launcher's perl records no exit code. `setns`: the
 * launcher enters the sandbox's namespaces with it (perl's syscall.ph is not installed everywhere).
 */
export interface ArchSyscalls {
  exit: number;
  mknodat: number;
  setns: number;
  signals?: { sigprocmask: number; sigpending: number };
}

const SYSCALLS: Partial<Record<NodeJS.Architecture, ArchSyscalls>> = {
  x64: { exit: 231, mknodat: 259, setns: 308, signals: { sigprocmask: 14, sigpending: 127 } },
  arm64: { exit: 94, mknodat: 33, setns: 268, signals: { sigprocmask: 135, sigpending: 136 } },
  riscv64: { exit: 94, mknodat: 33, setns: 268, signals: { sigprocmask: 135, sigpending: 136 } },
  loong64: { exit: 94, mknodat: 33, setns: 268, signals: { sigprocmask: 135, sigpending: 136 } },
  arm: { exit: 248, mknodat: 324, setns: 375, signals: { sigprocmask: 175, sigpending: 176 } },
  ia32: { exit: 252, mknodat: 297, setns: 346, signals: { sigprocmask: 175, sigpending: 176 } },
  ppc64: { exit: 234, mknodat: 288, setns: 350 },
  s390x: { exit: 248, mknodat: 290, setns: 339 },
};

/** This machine's numbers, or undefined where they are not known. */
export function archSyscalls(): ArchSyscalls | undefined {
  return SYSCALLS[process.arch];
}
