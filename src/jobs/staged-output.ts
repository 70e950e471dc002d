// A conversion's output folder, replaced only by a run that succeeded. Part files and the quarantine are written to
// a fresh staging folder beside the output folder; on success each moves in by one rename (same file system), and
// the files an earlier run left that this one did not replace — its extra part files, its quarantine — are deleted
// after that. A failed run removes its staging folder and leaves the output folder as it was. Files in the output
// folder that are not a conversion's own (the input itself, say) are never touched.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ioError } from '../errors.ts';

/** Files a conversion writes: `part-00000.parquet`, … and `quarantine.ndjson`. */
const OWN_FILE = /^(part-\d{5,}\.parquet|quarantine\.ndjson)$/;
export const QUARANTINE_FILE = 'quarantine.ndjson';

export class StagedOutput {
  /** Where the files go in the end. */
  readonly dir: string;
  /** Where they are written meanwhile. */
  readonly staging: string;

  private constructor(dir: string, staging: string) {
    this.dir = dir;
    this.staging = staging;
  }

  static async create(outDir: string): Promise<StagedOutput> {
    const dir = resolve(outDir);
    // Hidden and beside the output folder: a reader of the folder (even a recursive one) never lists it.
    const staging = join(dirname(dir), `.${basename(dir)}.staging-${randomUUID()}`);
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      throw ioError('creating output directory', outDir, error, { writing: true });
    }
    try {
      await mkdir(staging);
    } catch (error) {
      throw ioError('creating a staging directory beside', outDir, error, { writing: true });
    }
    return new StagedOutput(dir, staging);
  }

  /** Where to write a file that will be `name` in the output folder. */
  stagedPath(name: string): string {
    return join(this.staging, name);
  }

  finalPath(name: string): string {
    return join(this.dir, name);
  }

  /** Moves the staged files in, then deletes what an earlier run left that they did not replace. */
  async commit(): Promise<void> {
    try {
      const staged = await readdir(this.staging);
      for (const name of staged) await rename(join(this.staging, name), join(this.dir, name));
      const kept = new Set(staged);
      for (const name of await readdir(this.dir))
        if (OWN_FILE.test(name) && !kept.has(name)) await rm(join(this.dir, name), { force: true });
    } catch (error) {
      throw ioError('writing output to', this.dir, error, { writing: true });
    }
    await this.abort();
  }

  /** Removes the staging folder and whatever is in it. */
  async abort(): Promise<void> {
    await rm(this.staging, { recursive: true, force: true }).catch(() => undefined);
  }
}
