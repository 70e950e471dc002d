// A growable little-endian byte buffer: the one output type of the thrift, RLE and page encoders, so that a row
// group is assembled in a single allocation that doubles as needed instead of a list of small arrays.

export class ByteBuffer {
  /** The backing store; only the first `length` bytes are written. */
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 1024) {
    this.bytes = new Uint8Array(Math.max(16, capacity));
  }

  /** Makes room for `n` more bytes. Callers that write byte by byte reserve once, then use `bytes` directly. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  reset(): void {
    this.length = 0;
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.setU32(this.length, value);
    this.length += 4;
  }

  /** Overwrites four bytes already written (length prefixes that are only known afterwards). */
  setU32(at: number, value: number): void {
    const b = this.bytes;
    b[at] = value & 0xff;
    b[at + 1] = (value >>> 8) & 0xff;
    b[at + 2] = (value >>> 16) & 0xff;
    b[at + 3] = (value >>> 24) & 0xff;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53 (thrift and RLE headers). */
  varint(value: number): void {
    this.reserve(8);
    const b = this.bytes;
    let v = value;
    while (v >= 0x80) {
      b[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.length++] = v;
  }

  append(source: Uint8Array): void {
    this.reserve(source.length);
    this.bytes.set(source, this.length);
    this.length += source.length;
  }

  /** The bytes written so far, as a view (no copy): valid until the next write or reset. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** A copy of the bytes written so far, in an exactly sized buffer of its own (safe to transfer). */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}
