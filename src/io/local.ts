// FileIO on the local filesystem. Writes go to a temporary sibling and are renamed into place, so a reader (or a
// writer killed mid-write) never sees a half-written file under its final name.
import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ioError } from '../errors.ts';
import type { FileInfo, FileIO } from './fileio.ts';

export class LocalFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    try {
      return await readFile(path);
    } catch (error) {
      throw ioError('reading', path, error);
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const temp = await this.writeTemp(path, bytes);
    try {
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw ioError('writing', path, error, { writing: true });
    }
  }

  async writeIfAbsent(path: string, bytes: Uint8Array): Promise<boolean> {
    const temp = await this.writeTemp(path, bytes);
    try {
      // link() fails with EEXIST instead of replacing: an atomic create-if-absent of a complete file.
      await link(temp, path);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'EEXIST') return false;
      throw ioError('writing', path, error, { writing: true });
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  async exists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  }

  async delete(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw ioError('deleting', path, error, { writing: true });
    }
  }

  async list(prefix: string): Promise<FileInfo[]> {
    let entries;
    try {
      entries = await readdir(prefix, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return [];
      throw ioError('listing', prefix, error);
    }
    const files: FileInfo[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path).catch(() => undefined);
      if (info) files.push({ path, size: info.size, modifiedMs: info.mtimeMs });
    }
    return files;
  }

  private async writeTemp(path: string, bytes: Uint8Array): Promise<string> {
    const temp = `${path}.${randomUUID()}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, bytes);
    } catch (error) {
      throw ioError('writing', path, error, { writing: true });
    }
    return temp;
  }
}
