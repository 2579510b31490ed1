/**
 * The Linux system call numbers lanes' perl calls by number (perl's POSIX module costs more to load than the
 * rest, and each fork of the fork server paid for it), per Node architecture. `signals`: rt_sigprocmask(2)
 * and rt_sigpending(2), where known; without them the launcher's perl records no exit code. `setns`: the
 * launcher enters the sandbox's namespaces with it (perl's syscall.ph is not installed everywhere); `prctl`
 * for the parent-death watch and, with `capset`, for dropping capabilities in a held sandbox.
 */
export interface ArchSyscalls {
  exit: number;
  /** close(2): perl's close of a descriptor another handle shares (the fork server's) only drops a count. */
  close: number;
  mknodat: number;
  setns: number;
  prctl: number;
  /** capset(2): a launcher entering a held sandbox drops every capability with it before the command runs. */
  capset: number;
  signals?: { sigprocmask: number; sigpending: number };
}

/** The generic table (asm-generic/unistd.h) the newer architectures share. */
const GENERIC: ArchSyscalls = {
  exit: 94,
  close: 57,
  mknodat: 33,
  setns: 268,
  prctl: 167,
  capset: 91,
  signals: { sigprocmask: 135, sigpending: 136 },
};

const SYSCALLS: Partial<Record<NodeJS.Architecture, ArchSyscalls>> = {
  x64: {
    exit: 231,
    close: 3,
    mknodat: 259,
    setns: 308,
    prctl: 157,
    capset: 126,
    signals: { sigprocmask: 14, sigpending: 127 },
  },
  arm64: GENERIC,
  riscv64: GENERIC,
  loong64: GENERIC,
  arm: {
    exit: 248,
    close: 6,
    mknodat: 324,
    setns: 375,
    prctl: 172,
    capset: 185,
    signals: { sigprocmask: 175, sigpending: 176 },
  },
  ia32: {
    exit: 252,
    close: 6,
    mknodat: 297,
    setns: 346,
    prctl: 172,
    capset: 185,
    signals: { sigprocmask: 175, sigpending: 176 },
  },
  ppc64: { exit: 234, close: 6, mknodat: 288, setns: 350, prctl: 171, capset: 184 },
  s390x: { exit: 248, close: 6, mknodat: 290, setns: 339, prctl: 172, capset: 185 },
};

/** This machine's numbers, or undefined where they are not known. */
export function archSyscalls(): ArchSyscalls | undefined {
  return SYSCALLS[process.arch];
}
