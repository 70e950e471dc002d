// The quarantine file: one NDJSON line per rejected record with its source, position, reason, every violation
// and the record as received — enough to fix and replay it.
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ioError } from '../errors.ts';
import type { QuarantineEntry } from './pipeline.ts';

export class QuarantineWriter {
  readonly path: string;
  private stream: WriteStream | undefined;
  count = 0;

  constructor(path: string) {
    this.path = path;
  }

  async write(entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.stream ??= createWriteStream(this.path, { flags: 'a' });
    const text =
      entries.map((e) => JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))).join('\n') +
      '\n';
    this.count += entries.length;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    const stream = this.stream;
    if (!stream) return;
    await new Promise<void>((resolve, reject) => {
      stream.once('error', (error) => reject(ioError('writing quarantine', this.path, error)));
      stream.end(() => resolve());
    });
  }
}
