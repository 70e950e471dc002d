// Picks the FileIO for a location: `s3://…` → S3, anything else → the local filesystem.
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { FileIO } from './fileio.ts';
import { LocalFileIO } from './local.ts';
import { S3FileIO } from './s3.ts';

export type { FileInfo, FileIO } from './fileio.ts';
export { joinPath } from './fileio.ts';
export { LocalFileIO } from './local.ts';
export { parseS3Uri, S3FileIO } from './s3.ts';

export function isS3(location: string): boolean {
  return /^s3a?:\/\//.test(location);
}

export function fileIOFor(location: string, s3?: S3ClientConfig): FileIO {
  return isS3(location) ? new S3FileIO(s3 ?? {}) : new LocalFileIO();
}
