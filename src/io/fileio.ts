// One interface over the places a table lives: the local filesystem and S3. Paths are absolute local paths or
// `s3://bucket/key` URIs, exactly as they appear in Iceberg metadata, so readers (pyiceberg, DuckDB, Athena) can
// open what we write without translation.

export interface FileInfo {
  readonly path: string;
  readonly size: number;
  /** Last modification time, epoch milliseconds. */
  readonly modifiedMs: number;
}

export interface FileIO {
  read(path: string): Promise<Uint8Array>;
  /** Writes the whole object; the parent "directory" is created as needed. */
  write(path: string, bytes: Uint8Array): Promise<void>;
  /** Writes only if nothing exists at `path` (metadata files are immutable); returns false if it existed. */
  writeIfAbsent(path: string, bytes: Uint8Array): Promise<boolean>;
  exists(path: string): Promise<boolean>;
  delete(path: string): Promise<void>;
  /** Every file below a prefix (recursively). */
  list(prefix: string): Promise<FileInfo[]>;
}

/** Joins a location and relative parts with `/` (S3 keys and POSIX paths alike). */
export function joinPath(location: string, ...parts: string[]): string {
  return [location.replace(/\/+$/, ''), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ''))].join('/');
}
