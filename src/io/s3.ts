// FileIO on S3 (AWS SDK v3). PUT is atomic per object; create-if-absent uses the `If-None-Match: *` conditional
// write that S3 supports, so two writers can never replace each other's metadata file.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { LakehouseError } from '../errors.ts';
import type { FileInfo, FileIO } from './fileio.ts';

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new LakehouseError('CONFIG', `not an S3 URI: ${uri}`, { uri });
  return { bucket: m[1] as string, key: m[2] as string };
}

function errorName(error: unknown): string | undefined {
  return (error as { name?: string } | null)?.name;
}

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

export class S3FileIO implements FileIO {
  readonly client: S3Client;

  constructor(client: S3Client | S3ClientConfig = {}) {
    this.client = client instanceof S3Client ? client : new S3Client(client);
  }

  async read(path: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Uri(path);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || status(error) === 404)
        throw new LakehouseError('NOT_FOUND', `no such object: ${path}`, { path }, { cause: error });
      throw new LakehouseError('IO', `reading ${path}: ${(error as Error).message}`, { path }, { cause: error });
    }
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes }));
    } catch (error) {
      throw new LakehouseError('IO', `writing ${path}: ${(error as Error).message}`, { path }, { cause: error });
    }
  }

  async writeIfAbsent(path: string, bytes: Uint8Array): Promise<boolean> {
    const { bucket, key } = parseS3Uri(path);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, IfNoneMatch: '*' }));
      return true;
    } catch (error) {
      if (status(error) === 412 || errorName(error) === 'PreconditionFailed') return false;
      throw new LakehouseError('IO', `writing ${path}: ${(error as Error).message}`, { path }, { cause: error });
    }
  }

  async exists(path: string): Promise<boolean> {
    const { bucket, key } = parseS3Uri(path);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (status(error) === 404 || errorName(error) === 'NotFound') return false;
      throw new LakehouseError('IO', `checking ${path}: ${(error as Error).message}`, { path }, { cause: error });
    }
  }

  async delete(path: string): Promise<void> {
    const { bucket, key } = parseS3Uri(path);
    await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const { bucket, key } = parseS3Uri(prefix);
    const files: FileInfo[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: key.replace(/\/?$/, '/'), ContinuationToken: token }),
      );
      for (const object of out.Contents ?? []) {
        files.push({
          path: `s3://${bucket}/${object.Key ?? ''}`,
          size: object.Size ?? 0,
          modifiedMs: object.LastModified?.getTime() ?? 0,
        });
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return files;
  }
}
