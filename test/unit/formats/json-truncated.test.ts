// A `.json` array the input ends inside (its `]` lost, as when a copy or an upload is cut short): the elements read
// before the cut are kept, and the missing end is one more unparseable item, so the counts show the input is
// incomplete — in the parser, in `convert` (received = accepted + quarantined) and at the ingest API (a 400).
import { createDispatch } from '../../../src/api/dispatch.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RejectionBody } from '../../../src/api/rejection.ts';
import { IngestApi } from '../../../src/api/service.ts';
import { loadContract } from '../../../src/contracts/load.ts';
import { parseBytes, type ParsedItem } from '../../../src/formats/index.ts';
import { convertFile } from '../../../src/jobs/convert.ts';
import { SqliteMetadataStore, metadataDbPath } from '../../../src/metadata/index.ts';
import { LocalStream } from '../../../src/stream/index.ts';
import { validEvent } from '../../helpers/collect.ts';
import { tempDir } from '../../helpers/tmp.ts';

const events = await loadContract('events');
const uuid = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const element = (i: number) => JSON.stringify(validEvent({ event_id: uuid(i) }));
const NOT_CLOSED = {
  kind: 'unparseable',
  rule: 'json',
  message: 'the array is not closed: the input ended before its `]`',
};

/** Every item the JSON parser gives for `text`, fed in slices of `sliceBytes` (so a cut may fall anywhere). */
async function parse(text: string, sliceBytes = 7): Promise<ParsedItem[]> {
  const bytes = Buffer.from(text);
  async function* slices(): AsyncIterable<Uint8Array> {
    for (let at = 0; at < bytes.length; at += sliceBytes) yield bytes.subarray(at, at + sliceBytes);
  }
  const items: ParsedItem[] = [];
  for await (const parsed of parseBytes('json', slices())) items.push(...parsed);
  return items;
}

// Generated cuts of one array: [`[a,b`, records before it, ...]; the complete elements are still records.
const truncations: [name: string, text: string, records: number][] = [
  ['no closing bracket', `[${element(1)},${element(2)}`, 2],
  ['a trailing comma', `[${element(1)},${element(2)},`, 2],
  ['a trailing comma and space', `[${element(1)},\n  `, 1],
  ['only the opening bracket', '[', 0],
  ['an opening bracket and space', '[ \n', 0],
];

describe('JSON parser: an array the input ends inside', () => {
  for (const [name, text, records] of truncations) {
    it(`${name}: ${records} record(s), then one "not closed" item`, async () => {
      const items = await parse(text);
      expect(items.filter((i) => i.kind === 'record')).toHaveLength(records);
      expect(items.at(-1)).toMatchObject(NOT_CLOSED);
      expect(items.filter((i) => i.kind === 'unparseable')).toHaveLength(1);
    });
  }

  it('an element cut in the middle is quarantined on its own, and the missing end too', async () => {
    const text = `[${element(1)},${element(2).slice(0, 40)}`;
    const items = await parse(text);
    expect(items.map((i) => i.kind)).toEqual(['record', 'unparseable', 'unparseable']);
    expect(items.at(-1)).toMatchObject(NOT_CLOSED);
  });

  it('every cut of a closed array before its `]` is reported; the whole array is not', async () => {
    const whole = `[${element(1)}, ${element(2)}]`;
    expect((await parse(whole)).every((i) => i.kind === 'record')).toBe(true);
    for (let cut = 1; cut < whole.length; cut++) {
      const items = await parse(whole.slice(0, cut), 5);
      expect(items.at(-1), `cut at ${cut}`).toMatchObject(NOT_CLOSED);
    }
  });
});

describe('convert: a truncated .json array', () => {
  const dir = tempDir();
  it('keeps the complete elements and counts the missing end as quarantined (received = accepted + quarantined)', async () => {
    const input = join(dir, 'cut.json');
    writeFileSync(input, `[${element(1)},${element(2)},`);
    const summary = await convertFile(input, events, join(dir, 'out'), { engine: 'general', threads: 0 });
    expect(summary).toMatchObject({ received: 3, accepted: 2, quarantined: 1 });
  });
});

describe('ingest API: a truncated JSON array body', () => {
  it('answers 400 naming the missing end', async () => {
    const warehouse = tempDir();
    const stream = await LocalStream.open(warehouse, 'ingest');
    const api = new IngestApi({
      contracts: [events],
      stream,
      metadata: new SqliteMetadataStore(metadataDbPath(warehouse)),
    });
    for (const [name, text, records] of truncations) {
      const response = await createDispatch(api)({
        method: 'POST',
        path: '/v1/datasets/events/records',
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(text),
      });
      expect(response.status, name).toBe(400);
      const body = response.body as RejectionBody;
      expect(body.received, name).toBe(records + 1);
      expect(body.rejected, name).toBe(1);
      expect(body.records[0]?.violations.map((v) => v.rule)).toEqual(['json']);
    }
  });
});
