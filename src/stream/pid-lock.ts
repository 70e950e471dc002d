// A lock file holding the pid of the one process allowed in: created exclusively, released by deleting it. A process
// killed with SIGKILL cannot release it, so a lock whose owner no longer runs is stale and is taken over. Used for
// the local log's single writer and for `lakehouse run`'s hold on a warehouse.
//
// A pid is only an approximation of the process that wrote it: after a reboot another process may have the same pid,
// and the lock then reads as held; the error names the file to delete by hand.
import { open, readFile, unlink } from 'node:fs/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PidLock {
  readonly path: string;
  /** The pid of a dead owner whose stale lock was taken over (0 when it died before writing its pid). */
  readonly tookOverFrom: number | undefined;
}

/** Takes the lock at `path`, or throws `held(owner)` while a live process holds it. */
export async function acquirePidLock(path: string, held: (owner: number) => Error): Promise<PidLock> {
  let tookOverFrom: number | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(String(process.pid));
        await fh.sync();
      } finally {
        await fh.close();
      }
      return { path, tookOverFrom };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) throw held(owner);
    // Empty (an owner died between create and write) or dead owner: stale, remove and try again.
    tookOverFrom = Number.isInteger(owner) && owner > 0 ? owner : 0;
    await unlink(path).catch(() => undefined);
  }
  throw held(0);
}

export async function releasePidLock(lock: PidLock): Promise<void> {
  await unlink(lock.path).catch(() => undefined);
}
