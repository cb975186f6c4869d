import { execFileSync } from "node:child_process";
import { chmodSync } from "node:fs";

/**
 * Makes paths unwritable for the portal under test. The tests run as root here, and root
 * ignores permission bits, so as root the paths get the immutable attribute (chattr +i,
 * which needs CAP_LINUX_IMMUTABLE and ext4/xfs/btrfs: even root cannot write them, and writes
 * through descriptors opened before fail too); as another user, mode 0555 does.
 * Never pass a SQLite -shm file: it is memory-mapped, and an immutable one crashes the process.
 */
export function makeUnwritable(...paths: string[]): () => void {
  if (process.getuid?.() === 0) {
    execFileSync("chattr", ["+i", ...paths]);
    return () => execFileSync("chattr", ["-i", ...paths]);
  }
  for (const p of paths) chmodSync(p, 0o555);
  return () => {
    for (const p of paths) chmodSync(p, 0o755);
  };
}

/** Whether a write through an already open descriptor can be made to fail (root with chattr). */
export const canBreakOpenFiles = process.getuid?.() === 0;
