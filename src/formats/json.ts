// JSON documents: one value, or an array whose elements are records, streamed element by element (a multi-GB
// array never sits in memory whole). A byte-level splitter finds where each element starts and ends (it tracks
// strings and bracket depth with a counter, never a stack, so no depth is too much for it); each element is then
// checked for UTF-8 and decoded on its own (json-value.ts). So one bad element — broken JSON, invalid UTF-8, a
// value nested too deep, two values where one belongs — is quarantined alone, and the next element is read as
// usual. An element whose brackets do not balance runs to the end of the input: where it should have ended
// cannot be known. An array the input ends inside (its `]` missing) is reported as one more unparseable item.
import { isUtf8 } from 'node:buffer';
import { decodeJsonText } from './json-value.ts';
import { tooLargeItem, type ParseOptions, type ParsedItem } from './types.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const RAW_PREVIEW_BYTES = 1024;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Where the splitter is: before the first value, inside the top-level array, in a single document, after `]`. */
type Phase = 'start' | 'array' | 'document' | 'after';

export async function* parseJson(input: AsyncIterable<Uint8Array>, options: ParseOptions): AsyncIterable<ParsedItem[]> {
  const maxRecordBytes = options.maxRecordBytes ?? 16 * 1024 * 1024;
  let phase: Phase = 'start';
  let position = 0; // byte offset of the current byte in the input
  let line = 1;
  // The value being collected (an array element, or the whole document).
  let parts: Uint8Array[] = [];
  let size = 0;
  let valueLine = 0;
  let valueOffset = -1; // -1: no value started
  let depth = 0;
  let inString = false;
  let escaped = false;
  let separators = 0; // commas since the last element: two in a row is an empty element
  let trailing: { line: number; offset: number; preview: Uint8Array[] } | undefined;

  const finish = (items: ParsedItem[]): void => {
    if (valueOffset < 0) return;
    items.push(valueItem(parts, size, maxRecordBytes, valueLine, valueOffset));
    parts = [];
    size = 0;
    valueOffset = -1;
    depth = 0;
  };

  for await (const chunk of input) {
    const items: ParsedItem[] = [];
    let from = valueOffset >= 0 ? 0 : -1; // start in this chunk of the value bytes not yet kept
    const keep = (to: number): void => {
      if (from < 0 || to <= from) return;
      if (size <= maxRecordBytes) parts.push(chunk.subarray(from, to)); // past the limit: only its size counts
      size += to - from;
    };
    for (let i = 0; i < chunk.length; i++, position++) {
      const c = chunk[i] as number;
      if (c === NEWLINE) line++;
      if (phase === 'after') {
        if (!trailing && !isSpace(c)) trailing = { line, offset: position, preview: [] };
        if (trailing && trailing.preview.length === 0) trailing.preview.push(chunk.subarray(i, i + RAW_PREVIEW_BYTES));
        continue;
      }
      if (phase === 'start') {
        if (isSpace(c)) continue;
        if (position === 0 && c === 0xef && chunk[i + 1] === 0xbb && chunk[i + 2] === 0xbf) {
          i += 2; // a byte-order mark (only when it arrives in one chunk)
          position += 2;
          continue;
        }
        if (c === OPEN_ARRAY) {
          phase = 'array';
          continue;
        }
        phase = 'document';
        valueLine = line;
        valueOffset = position;
        from = i;
      }
      if (phase === 'document') continue; // every byte belongs to the one value
      // Inside the top-level array.
      if (valueOffset < 0) {
        if (isSpace(c)) continue;
        if (c === CLOSE_ARRAY) {
          if (separators > 0) items.push(emptyElement(line, position));
          phase = 'after';
          continue;
        }
        if (c === COMMA) {
          items.push(emptyElement(line, position)); // `[,` or `,,`: the element before this comma is missing
          separators++;
          continue;
        }
        separators = 0;
        valueLine = line;
        valueOffset = position;
        from = i;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_ARRAY || c === OPEN_OBJECT) depth++;
      else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
      else if (depth === 0 && (c === COMMA || c === CLOSE_ARRAY)) {
        keep(i);
        from = -1;
        finish(items);
        if (c === COMMA) separators = 1;
        else phase = 'after';
      }
    }
    keep(chunk.length);
    if (items.length) yield items;
  }
  const items: ParsedItem[] = [];
  finish(items); // the document, or an element the input ended in
  if (phase === 'array') {
    // The input ended inside the array (`[a,b`, `[a,b,`, `[`): a copy or an upload cut short. The elements read so
    // far stand on their own, but the missing end is reported, so the job's counts show the file is incomplete.
    items.push({
      kind: 'unparseable',
      rule: 'json',
      message: 'the array is not closed: the input ended before its `]`',
      raw: '',
      line,
      offset: position,
    });
  }
  if (trailing) {
    const raw = Buffer.concat(trailing.preview).toString('utf8');
    items.push({
      kind: 'unparseable',
      rule: 'json',
      message: 'content after the end of the JSON document',
      raw,
      line: trailing.line,
      offset: trailing.offset,
    });
  }
  if (items.length) yield items;
}

/** The item for one element's (or the document's) bytes. */
function valueItem(
  parts: Uint8Array[],
  size: number,
  maxRecordBytes: number,
  line: number,
  offset: number,
): ParsedItem {
  const bytes = Buffer.concat(parts);
  if (size > maxRecordBytes) {
    return tooLargeItem(bytes, maxRecordBytes, line, offset);
  }
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1] as number)) end--;
  if (!isUtf8(bytes.subarray(0, end))) {
    return {
      kind: 'unparseable',
      rule: 'encoding',
      message: 'record is not valid UTF-8',
      raw: bytes.toString('latin1', 0, end),
      line,
      offset,
    };
  }
  const text = bytes.toString('utf8', 0, end);
  const decoded = decodeJsonText(text);
  if (decoded.ok) return { kind: 'record', value: decoded.value, raw: text, line, offset };
  const { rule, message, path } = decoded;
  return { kind: 'unparseable', rule, message, raw: text, line, offset, ...(path === undefined ? {} : { path }) };
}

function emptyElement(line: number, offset: number): ParsedItem {
  return { kind: 'unparseable', rule: 'json', message: 'an array element is missing', raw: '', line, offset };
}
