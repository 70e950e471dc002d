// JSON documents: one object, or an array of objects streamed element by element (a multi-GB array never sits
// in memory whole). Broken JSON quarantines the unread remainder with its position; what came before is kept.
import { JSONParser } from '@streamparser/json';
import type { ParseOptions, ParsedItem } from './types.ts';

export async function* parseJson(
  input: AsyncIterable<Uint8Array>,
  _options: ParseOptions,
): AsyncIterable<ParsedItem[]> {
  let parser: JSONParser | undefined;
  let pending: ParsedItem[] = [];
  let index = 0;
  let bytesSeen = 0;
  let failure: Error | undefined;
  const start = (isArray: boolean): JSONParser => {
    // For an array only its elements are emitted (and not retained); for an object, the root itself.
    const p = new JSONParser({ paths: [isArray ? '$.*' : '$'], keepStack: false });
    p.onValue = ({ value }) => {
      index++;
      pending.push({ kind: 'record', value, raw: JSON.stringify(value), line: index });
    };
    p.onError = (error) => {
      failure = error;
    };
    return p;
  };
  for await (const chunk of input) {
    if (!parser) {
      const first = firstSignificantByte(chunk);
      if (first === undefined) {
        bytesSeen += chunk.byteLength;
        continue;
      }
      parser = start(first === 0x5b /* [ */);
    }
    if (!failure) {
      try {
        parser.write(chunk);
      } catch (error) {
        failure = error as Error;
      }
    }
    bytesSeen += chunk.byteLength;
    if (pending.length) {
      yield pending;
      pending = [];
    }
    if (failure) break;
  }
  if (parser && !failure && !parser.isEnded) {
    try {
      parser.end();
    } catch (error) {
      failure = error as Error;
    }
  }
  if (pending.length) yield pending;
  if (failure) {
    yield [
      {
        kind: 'unparseable',
        rule: 'json',
        message: `invalid JSON after record ${index}: ${failure.message}`,
        raw: `(the unparsed remainder of the document, from about byte ${bytesSeen})`,
        line: index + 1,
      },
    ];
  }
}

function firstSignificantByte(chunk: Uint8Array): number | undefined {
  for (const byte of chunk) {
    // whitespace and a UTF-8 byte-order mark
    if (
      byte !== 0x20 &&
      byte !== 0x0a &&
      byte !== 0x0d &&
      byte !== 0x09 &&
      byte !== 0xef &&
      byte !== 0xbb &&
      byte !== 0xbf
    ) {
      return byte;
    }
  }
  return undefined;
}
