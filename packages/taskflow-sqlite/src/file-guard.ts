// Watches the files under an open SQLite connection for faults SQLite itself cannot see or
// survive. Checked in full (three stat calls and one access(2)) before every transaction
// and again before its COMMIT; inside an open transaction only the -shm is checked before
// each further statement (one stat, one access), since only the -shm can crash the
// process there and a removed file is caught before the COMMIT anyway:
//
// - The database file or its `-wal` removed or replaced (a deleted directory, a restore by
//   `mv`): SQLite keeps writing into the unlinked inode and every write "succeeds", then
//   vanishes at restart. Sticky: only reopening (a restart) can tell what the file now is.
// - The `-shm` (the WAL index, which every connection maps into memory) replaced,
//   truncated, or made unwritable (`chattr +i`): touching a mapped page past its end, or
//   writing one the file system refuses, raises SIGBUS, which kills the process and no
//   handler can catch. Refusing before SQLite touches it is the only defence. Every fault
//   is sticky: the connection is not used again (not even closed); a restart reopens it.
//
// Closing a connection (also the one better-sqlite3 does at process exit) checkpoints
// through the -shm too, so the store does not close over a faulty one; see sqlite-store.ts.
//
// What remains: a fault between this check and SQLite's next access (microseconds) can
// still raise SIGBUS for an -shm. The files are checked again just before each COMMIT, so
// a write into an unlinked file is rolled back and answered as a failure.
import { accessSync, constants, statSync, type BigIntStats } from "node:fs";

export interface FileGuard {
  /** Why the files cannot be used now, or undefined when they can. */
  check(): string | undefined;
  /**
   * The same answer for a statement inside a transaction that `check` let begin: a fault
   * already found, or the -shm's (SIGBUS). A database file or -wal removed since is found
   * by the `check` before the COMMIT, which then rolls the transaction back.
   */
  checkInTransaction(): string | undefined;
  /** The last fault `check` found was the -shm's: SQLite must not touch this connection again. */
  readonly shmFault: boolean;
}

/** Device and inode, as bigints: inode numbers can pass 2^53 on some file systems. */
interface Identity {
  dev: bigint;
  ino: bigint;
}

const NO_FILES: FileGuard = { check: () => undefined, checkInTransaction: () => undefined, shmFault: false };

/**
 * A guard for the files of a database just opened at `path` (WAL mode, sidecars present).
 * `onShmFault` is called (once) when the -shm is first found faulty.
 */
export function guardDatabaseFiles(path: string, inMemory: boolean, onShmFault: () => void): FileGuard {
  if (inMemory) return NO_FILES;
  const wal = `${path}-wal`;
  const shm = `${path}-shm`;
  const opened = { db: identityOf(path), wal: identityOf(wal), shm: identityOf(shm) };
  let shmHighWater = sizeOf(shm) ?? 0n;
  let stuck: string | undefined;
  let notified = false;
  const notifyShmFault = () => {
    if (notified) return;
    notified = true;
    onShmFault();
  };

  const sameFile = (file: string, was: Identity | undefined, label: string): string | undefined => {
    if (!was) return undefined;
    const now = statOrUndefined(file);
    if (!now) return `${label} was removed while the store had it open`;
    if (now.dev !== was.dev || now.ino !== was.ino) return `${label} was replaced while the store had it open`;
    return undefined;
  };
  const stick = (fault: string | undefined) => (stuck ??= fault);

  // Reasons name no path: /healthz shows them to anyone who can reach it.
  const checkDatabase = () => stuck ?? stick(sameFile(path, opened.db, "the database file"));

  let shmFault = false;
  // Sticky too: once SQLite may have been unable to write its mapping, the connection is
  // not trusted again (a restart reopens it).
  const checkShmSticky = () => {
    const fault = stick(checkShm());
    if (fault) {
      shmFault = true;
      notifyShmFault();
    }
    return fault;
  };
  return {
    check() {
      return checkDatabase() ?? stick(sameFile(wal, opened.wal, "the write-ahead log (-wal)")) ?? checkShmSticky();
    },
    checkInTransaction() {
      return stuck ?? checkShmSticky();
    },
    get shmFault() {
      return shmFault;
    },
  };

  function checkShm(): string | undefined {
    if (!opened.shm) return undefined;
    const now = statOrUndefined(shm);
    if (!now) return stick("the shared-memory file (-shm) was removed while the store had it open");
    if (now.dev !== opened.shm.dev || now.ino !== opened.shm.ino) {
      return stick("the shared-memory file (-shm) was replaced while the store had it open");
    }
    if (now.size < shmHighWater) return stick("the shared-memory file (-shm) was truncated while the store had it open");
    shmHighWater = now.size;
    return unwritable(shm);
  }
}

/**
 * The -shm may be written (immutable or read-only files may not; the kernel says so even
 * to root). access(2), never open + close: closing any descriptor of a file drops every
 * POSIX lock the process holds on it, and SQLite's WAL locks are such locks on the -shm.
 */
function unwritable(file: string): string | undefined {
  try {
    accessSync(file, constants.W_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return `the shared-memory file (-shm) cannot be written (${code})`;
  }
}

/** A file that cannot be stat'ed (gone, or its directory gone or unreadable) counts as removed. */
function statOrUndefined(file: string): BigIntStats | undefined {
  try {
    return statSync(file, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function identityOf(file: string): Identity | undefined {
  const stats = statOrUndefined(file);
  return stats && { dev: stats.dev, ino: stats.ino };
}

function sizeOf(file: string): bigint | undefined {
  return statOrUndefined(file)?.size;
}
