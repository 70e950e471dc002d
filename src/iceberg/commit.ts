// Optimistic commits: read the table's current metadata, build the next version from it, write it as a new
// metadata file, and swap the catalog pointer only if it still points at what was read. On a conflict, refresh
// and re-apply on the new base, with bounded, jittered exponential backoff (p-retry). A change is always
// re-applied to the latest base, so a commit never drops another writer's snapshot.
import pRetry, { AbortError } from 'p-retry';
import { CommitConflictError, formatTableIdentifier, type Catalog, type TableIdentifier } from '../catalog/catalog.ts';
import { createLogger } from '../log.ts';
import { failpoint } from './failpoints.ts';
import { newMetadataLocation, parseMetadata, serializeMetadata } from './metadata.ts';
import type { TableMetadata } from './types.ts';

const log = createLogger('iceberg.commit');

export interface LoadedTable {
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
}

export async function loadTable(catalog: Catalog, table: TableIdentifier): Promise<LoadedTable> {
  const metadataLocation = await catalog.loadMetadataLocation(table);
  const metadata = parseMetadata(new TextDecoder().decode(await catalog.io.read(metadataLocation)), metadataLocation);
  return { metadataLocation, metadata };
}

/** What an update decided for one base: the next metadata, or nothing to do. */
export interface Update<T> {
  readonly metadata?: TableMetadata;
  readonly result: T;
  /** Files written for this attempt that are garbage if the attempt loses. */
  readonly attemptFiles?: readonly string[];
}

export interface CommitOptions {
  /** Attempts after the first (default 30). */
  readonly retries?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

export interface Committed<T> extends LoadedTable {
  readonly result: T;
  readonly attempts: number;
  /** False when the update found nothing to do on the latest base. */
  readonly changed: boolean;
}

export async function commitWithRetry<T>(
  catalog: Catalog,
  table: TableIdentifier,
  update: (base: LoadedTable) => Promise<Update<T>>,
  options: CommitOptions = {},
): Promise<Committed<T>> {
  let attempts = 0;
  return pRetry(
    async () => {
      attempts++;
      const base = await loadTable(catalog, table);
      const next = await update(base);
      if (!next.metadata) return { ...base, result: next.result, attempts, changed: false };
      const location = newMetadataLocation(next.metadata.location, base.metadataLocation);
      const written = await catalog.io.writeIfAbsent(
        location,
        new TextEncoder().encode(serializeMetadata(next.metadata)),
      );
      if (!written) throw new CommitConflictError(`metadata file ${location} already exists`);
      failpoint('after-metadata-write');
      try {
        await catalog.commitTable(table, base.metadataLocation, location, next.metadata);
      } catch (error) {
        if (error instanceof CommitConflictError) {
          // This attempt's files are referenced by nothing: remove them before trying again.
          for (const path of [location, ...(next.attemptFiles ?? [])])
            await catalog.io.delete(path).catch(() => undefined);
          throw error;
        }
        // Unknown outcome (e.g. a network error after the request was sent): never delete, never retry blindly.
        throw new AbortError(error instanceof Error ? error : String(error));
      }
      return { metadataLocation: location, metadata: next.metadata, result: next.result, attempts, changed: true };
    },
    {
      retries: options.retries ?? 30,
      minTimeout: options.minDelayMs ?? 25,
      maxTimeout: options.maxDelayMs ?? 2000,
      factor: 1.7,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof CommitConflictError,
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (error instanceof CommitConflictError) {
          log.info(
            { table: formatTableIdentifier(table), attempt: attemptNumber },
            'commit conflict; retrying on the new base',
          );
        }
      },
    },
  );
}
