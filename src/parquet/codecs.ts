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

/** Compressors for hyparquet-writer. zstd level 3 is the Parquet ecosystem's usual default. */
export function writerCompressors(zstdLevel = 3): Record<string, (input: Uint8Array) => Uint8Array> {
  return {
    ZSTD: (input) => u8(zstdCompressSync(input, { params: { [constants.ZSTD_c_compressionLevel]: zstdLevel } })),
    GZIP: (input) => u8(gzipSync(input)),
  };
}

export function codecName(compression: Compression): 'ZSTD' | 'GZIP' | 'SNAPPY' | 'UNCOMPRESSED' {
  return compression.toUpperCase() as 'ZSTD' | 'GZIP' | 'SNAPPY' | 'UNCOMPRESSED';
}
