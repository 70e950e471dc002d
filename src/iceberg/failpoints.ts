// Test points for the crash and contention tests, inert unless their environment variables are set:
// - LAKEHOUSE_FAILPOINT=<point>: the process kills itself with SIGKILL right there — the same as `kill -9` from
//   outside, at a precise moment;
// - LAKEHOUSE_BARRIER_AT=<point> with LAKEHOUSE_BARRIER_FILE=<path>: the process announces it reached the point
//   (creates `<path>.<pid>`) and waits until `<path>` exists, so several writers can be released to commit at once.
import { existsSync, writeFileSync } from 'node:fs';

export type Failpoint = 'after-data-files' | 'after-metadata-write';

const BARRIER_TIMEOUT_MS = 60_000;

export function failpoint(name: Failpoint): void {
  if (process.env.LAKEHOUSE_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
  const barrier = process.env.LAKEHOUSE_BARRIER_FILE;
  if (process.env.LAKEHOUSE_BARRIER_AT === name && barrier) {
    writeFileSync(`${barrier}.${process.pid}`, '');
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + BARRIER_TIMEOUT_MS;
    while (!existsSync(barrier) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 10);
  }
}
