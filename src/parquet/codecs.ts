// Compression codecs backed by Node 22's native zlib (zstd, gzip, brotli): no WASM codec on the hot path.
import { brotliDecompressSync, gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync, constants } from 'node:zlib';

export type Compression = 'zstd' | 'gzip' | 'snappy' | 'uncompressed';

const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Decompressors for hyparquet (it decodes snappy itself). */
export const parquetCompressors = {
  ZSTD: (input: Uint8Array, _outputLength: number): Uint8Array => u8(zstdDecompressSync(input)),
  GZIP: (input: Uint8Array, _outputLength: number): Uint8Array => u8(gunzipSync(input)),
  BROTLI: (input: Uint8Array, _outputLength: number): Uint8Array => u8(brotliDecompressSync(input)),
};

/**
 * The zstd level when none is given: 1, Arrow's default. On the events sample it writes a file 2% smaller than
 * level 3 (DuckDB's and zstd's own default) and compresses ~40% faster (docs/benchmarks.md): dictionary and
 * PLAIN pages leave little for the slower levels' longer matches.
 */
export const DEFAULT_ZSTD_LEVEL = 1;

/** Compressors for hyparquet-writer. */
export function writerCompressors(zstdLevel = DEFAULT_ZSTD_LEVEL): Record<string, (input: Uint8Array) => Uint8Array> {
  return {
    ZSTD: (input) => u8(zstdCompressSync(input, { params: { [constants.ZSTD_c_compressionLevel]: zstdLevel } })),
    GZIP: (input) => u8(gzipSync(input)),
  };
}

export function codecName(compression: Compression): 'ZSTD' | 'GZIP' | 'SNAPPY' | 'UNCOMPRESSED' {
  return compression.toUpperCase() as 'ZSTD' | 'GZIP' | 'SNAPPY' | 'UNCOMPRESSED';
}
