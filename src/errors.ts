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

/** Wraps a Node.js system error (ENOENT, EACCES, …) into an `IO` error that names the path. */
export function ioError(action: string, path: string, cause: unknown): LakehouseError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const errno = (cause as { code?: unknown } | null)?.code;
  if (errno === 'ENOENT')
    return new LakehouseError('NOT_FOUND', `${action}: no such file: ${path}`, { path }, { cause });
  return new LakehouseError('IO', `${action} ${path}: ${reason}`, { path, errno }, { cause });
}
