// Typed errors with stable, machine-readable codes. Callers branch on `code`, never on message text.

export type ErrorCode =
  'PARSE' | 'VALIDATION' | 'UNSUPPORTED_FORMAT' | 'IO' | 'NOT_FOUND' | 'CONTRACT' | 'CONFLICT' | 'CONFIG' | 'INTERNAL';

export class LakehouseError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LakehouseError';
    this.code = code;
    this.details = details;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function isLakehouseError(error: unknown, code?: ErrorCode): error is LakehouseError {
  return error instanceof LakehouseError && (code === undefined || error.code === code);
}

/** What a failed write means, in words a user can act on (Node's messages name the syscall, not the cause). */
const WRITE_FAILURES: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'a file of that name is in the way',
  ENOENT: 'a parent directory does not exist or cannot hold files',
};

/**
 * Wraps a Node.js system error (ENOENT, EACCES, …) into an `IO` error that names the path. A missing file is
 * `NOT_FOUND` only when reading: when writing, ENOENT means the place to write cannot hold the file, and saying
 * "no such file" would point at the input instead.
 */
export function ioError(
  action: string,
  path: string,
  cause: unknown,
  options: { readonly writing?: boolean } = {},
): LakehouseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const errno = (cause as { code?: unknown } | null)?.code;
  if (options.writing) {
    const meaning = typeof errno === 'string' ? WRITE_FAILURES[errno] : undefined;
    const text = meaning ? `${meaning} (${String(errno)})` : reason;
    return new LakehouseError('IO', `${action} ${path}: ${text}`, { path, errno }, { cause });
  }
  if (errno === 'ENOENT')
    return new LakehouseError('NOT_FOUND', `${action}: no such file: ${path}`, { path }, { cause });
  return new LakehouseError('IO', `${action} ${path}: ${reason}`, { path, errno }, { cause });
}
