// Quarantine sinks: where the processor puts rejected records with their reasons. Both write NDJSON, one entry per
// line, in the shape of QuarantineEntry; in S3 each batch is one object (objects cannot be appended to).
import { randomUUID } from 'node:crypto';
import type { FileIO } from '../io/fileio.ts';
import { joinPath } from '../io/fileio.ts';
import type { QuarantineEntry } from '../records/pipeline.ts';
import type { QuarantineSink } from './types.ts';

export class FileIOQuarantine implements QuarantineSink {
  private readonly io: FileIO;
  private readonly root: string;

  constructor(io: FileIO, root: string) {
    this.io = io;
    this.root = root;
  }

  async write(dataset: string, entries: readonly QuarantineEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const day = new Date().toISOString().slice(0, 10);
    const path = joinPath(this.root, dataset, `dt=${day}`, `${Date.now()}-${randomUUID()}.ndjson`);
    const text = entries.map((e) => JSON.stringify(e)).join('\n') + '\n';
    await this.io.write(path, new TextEncoder().encode(text));
  }
}
