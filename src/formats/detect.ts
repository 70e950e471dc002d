// Which parser reads an input: `--format` if given, else the file extension, else a sniff of the first bytes.
// An unsupported or undetectable format is an error that names it and lists the supported ones.
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { LakehouseError, ioError } from '../errors.ts';
import { SUPPORTED_FORMATS, type InputFormat } from './types.ts';

const BY_EXTENSION: Readonly<Record<string, InputFormat>> = {
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

export function parseFormatName(name: string): InputFormat {
  const lower = name.toLowerCase();
  if ((SUPPORTED_FORMATS as readonly string[]).includes(lower)) return lower as InputFormat;
  throw unsupported(`"${name}"`);
}

export async function detectFormat(path: string, override?: string): Promise<InputFormat> {
  if (override) return parseFormatName(override);
  const extension = extname(path).toLowerCase();
  const byExtension = BY_EXTENSION[extension];
  if (byExtension) return byExtension;
  const head = await readHead(path, 64 * 1024);
  const sniffed = sniffFormat(head);
  if (sniffed) return sniffed;
  throw unsupported(
    extension
      ? `"${extension.slice(1)}" (from the extension of ${path})`
      : `of ${path} (could not detect it from the content)`,
  );
}

export function sniffFormat(head: Buffer): InputFormat | undefined {
  if (head.subarray(0, 4).toString('latin1') === 'PAR1') return 'parquet';
  const text = head.toString('utf8').replace(/^\ufeff/, '');
  const trimmed = text.trimStart();
  if (trimmed.startsWith('[')) return 'json';
  if (trimmed.startsWith('{')) {
    const firstLine = trimmed.split('\n', 1)[0] ?? '';
    try {
      JSON.parse(firstLine);
      return 'ndjson';
    } catch {
      return 'json';
    }
  }
  const firstLine = trimmed.split('\n', 1)[0] ?? '';
  if (/[,;\t|]/.test(firstLine) && !hasControlCharacters(firstLine)) return 'csv';
  return undefined;
}

function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 9) return true;
  return false;
}

export function delimiterFor(path: string, explicit?: string): string {
  if (explicit) return explicit === '\\t' || explicit === 'tab' ? '\t' : explicit;
  return extname(path).toLowerCase() === '.tsv' ? '\t' : ',';
}

/** The first `bytes` bytes of a file (fewer when it is shorter). */
export async function readHead(path: string, bytes: number, action = 'reading'): Promise<Buffer> {
  try {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw ioError(action, path, error);
  }
}

function unsupported(what: string): LakehouseError {
  return new LakehouseError(
    'UNSUPPORTED_FORMAT',
    `unsupported input format ${what}: supported formats are ${SUPPORTED_FORMATS.join(', ')}`,
    { supported: SUPPORTED_FORMATS },
  );
}
