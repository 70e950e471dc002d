// The quarantine file: one NDJSON line per rejected record with its source, position, reason, every violation
// and the record as received — enough to fix and replay it.
// Writing must never be what loses a record or crashes a job: an entry that cannot be serialised (a value nested
// deeper than the stack allows, a cycle) is written with its raw text and a rule that says why, and a failed
// write (read-only or full disk, a path that cannot hold files) is one typed IO error from write() or close(),
// never an 'error' event nobody listens to.
import { open, type FileHandle } from 'node:fs/promises';
import { ioError } from '../errors.ts';
import type { QuarantineEntry } from './pipeline.ts';

export class QuarantineWriter {
  readonly path: string;
  private handle: Promise<FileHandle> | undefined;
  count = 0;

  constructor(path: string) {
    this.path = path;
  }

  async write(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const text = entries.map(quarantineLine).join('\n') + '\n';
    // Opened on the first entry: a job that quarantines nothing leaves no file behind.
    this.handle ??= open(this.path, 'a');
    try {
      await (await this.handle).appendFile(text);
    } catch (error) {
      throw ioError('writing quarantine', this.path, error, { writing: true });
    }
    this.count += entries.length;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (!handle) return;
    let opened: FileHandle;
    try {
      opened = await handle;
    } catch {
      return; // the open failed: write() reported it
    }
    try {
      await opened.close();
    } catch (error) {
      throw ioError('writing quarantine', this.path, error, { writing: true });
    }
  }
}

/** One entry as one line of JSON; an entry JSON cannot hold is kept by its raw text, with the reason. */
export function quarantineLine(entry: QuarantineEntry): string {
  try {
    return JSON.stringify(entry, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch (error) {
    // RangeError: the recursion ran out of stack (nesting depth); TypeError: a cycle or a value JSON has no form for.
    const tooDeep = error instanceof RangeError;
    const fallback: QuarantineEntry = {
      source: String(entry.source),
      line: Number(entry.line),
      ...(entry.offset === undefined ? {} : { offset: Number(entry.offset) }),
      reason: entry.reason,
      violations: [
        {
          path: '',
          rule: tooDeep ? 'too_deep' : 'unserialisable',
          expected: tooDeep ? 'a value nested shallowly enough to write as JSON' : 'a value JSON can represent',
          actual: error instanceof Error ? error.message : String(error),
        },
      ],
      raw: typeof entry.raw === 'string' ? entry.raw : String(entry.raw),
    };
    return JSON.stringify(fallback);
  }
}
