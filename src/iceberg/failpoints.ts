// Test points for the crash and contention tests, inert unless their environment variables are set:
// - LAKEHOUSE_FAILPOINT=<point> or <point>@<n>: the process kills itself with SIGKILL right there (on the n-th time
//   it gets there, default the first) — the same as `kill -9` from outside, at a precise moment;
// - LAKEHOUSE_BARRIER_AT=<point> with LAKEHOUSE_BARRIER_FILE=<path>: the process announces it reached the point
//   (creates `<path>.<pid>`) and waits until `<path>` exists, so several writers can be released to commit at once.
import { existsSync, writeFileSync } from 'node:fs';

// 'before-job-update': the stream processor, after its table commits, before each job's update (@n: the n-th job).
export type Failpoint = 'after-data-files' | 'after-metadata-write' | 'before-job-update';

const BARRIER_TIMEOUT_MS = 60_000;
const hits = new Map<Failpoint, number>();

export function failpoint(name: Failpoint): void {
  const kill = process.env.LAKEHOUSE_FAILPOINT;
  if (kill === name || kill?.startsWith(`${name}@`)) {
    const hit = (hits.get(name) ?? 0) + 1;
    hits.set(name, hit);
    if (hit === Number(kill.slice(name.length + 1) || '1')) process.kill(process.pid, 'SIGKILL');
  }
  const barrier = process.env.LAKEHOUSE_BARRIER_FILE;
  if (process.env.LAKEHOUSE_BARRIER_AT === name && barrier) {
    writeFileSync(`${barrier}.${process.pid}`, '');
    const sleeper = new Int32Array(new SharedArrayBuffer(4));
    const deadline = Date.now() + BARRIER_TIMEOUT_MS;
    while (!existsSync(barrier) && Date.now() < deadline) Atomics.wait(sleeper, 0, 0, 10);
  }
}
