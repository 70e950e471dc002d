// NDJSON: split large byte chunks on newline bytes (no per-byte decoding), check UTF-8 natively, decode each line
// exactly (json-value.ts: depth limit, duplicate keys, exact numbers). A broken line is reported with its line
// number and byte offset, and parsing goes on. A UTF-8 byte-order mark before the first line is skipped.
import { isUtf8 } from 'node:buffer';
import { decodeJsonText } from './json-value.ts';
import { tooLargeItem, type ParseOptions, type ParsedItem } from './types.ts';

const NEWLINE = 0x0a;

export async function* parseNdjson(
  input: AsyncIterable<Uint8Array>,
  options: ParseOptions,
): AsyncIterable<ParsedItem[]> {
  const maxRecordBytes = options.maxRecordBytes ?? 16 * 1024 * 1024;
  let carry: Buffer = Buffer.alloc(0);
  let carryOversized = false; // the current line already exceeded the limit: skip to its end
  let line = 1;
  let offset = 0; // byte offset of carry[0]
  for await (const chunk of input) {
    const data = carry.length
      ? Buffer.concat([carry, chunk])
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const items: ParsedItem[] = [];
    const wholeChunkIsUtf8 = isUtf8(data);
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      if (carryOversized) {
        carryOversized = false;
      } else {
        const item = parseLine(data, start, nl, line, offset + start, wholeChunkIsUtf8, maxRecordBytes);
        if (item) items.push(item);
      }
      line++;
      start = nl + 1;
    }
    offset += start;
    carry = data.subarray(start);
    if (carry.length > maxRecordBytes && !carryOversized) {
      items.push(tooLargeItem(carry, maxRecordBytes, line, offset));
      carryOversized = true;
    }
    if (carryOversized) {
      offset += carry.length;
      carry = Buffer.alloc(0);
    } else {
      carry = Buffer.from(carry); // detach from the big chunk so it can be collected
    }
    if (items.length) yield items;
  }
  if (carry.length && !carryOversized) {
    const item = parseLine(carry, 0, carry.length, line, offset, isUtf8(carry), maxRecordBytes);
    if (item) yield [item];
  }
}

/** One NDJSON line as the general path sees it; `undefined` for a blank line. */
export function parseLine(
  data: Buffer,
  start: number,
  end: number,
  line: number,
  offset: number,
  knownUtf8: boolean,
  maxRecordBytes: number,
): ParsedItem | undefined {
  if (end > start && data[end - 1] === 0x0d) end--; // CRLF
  if (
    offset === 0 &&
    end - start >= 3 &&
    data[start] === 0xef &&
    data[start + 1] === 0xbb &&
    data[start + 2] === 0xbf
  ) {
    start += 3; // a byte-order mark opens the input: not part of the first record
    offset = 3;
  }
  if (end - start > maxRecordBytes) return tooLargeItem(data.subarray(start, end), maxRecordBytes, line, offset);
  if (!knownUtf8 && !isUtf8(data.subarray(start, end))) {
    return {
      kind: 'unparseable',
      rule: 'encoding',
      message: 'line is not valid UTF-8',
      raw: data.toString('latin1', start, end),
      line,
      offset,
    };
  }
  const text = data.toString('utf8', start, end);
  if (text.trim() === '') return undefined; // blank lines separate nothing and carry no record
  const decoded = decodeJsonText(text);
  if (decoded.ok) return { kind: 'record', value: decoded.value, raw: text, line, offset };
  const { rule, message, path } = decoded;
  return { kind: 'unparseable', rule, message, raw: text, line, offset, ...(path === undefined ? {} : { path }) };
}
