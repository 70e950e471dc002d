// The JSON scanner reads strings and keys 4 bytes at a time where the buffer allows it, and byte by byte near its
// end: whatever the alignment, it must take exactly the plain printable-ASCII strings (stored byte for byte) and
// hand every other string — an escape, a control, DEL, non-ASCII — to the general path, and match keys exactly.
import { describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { LeafBuilder } from '../../../src/records/fast/builders.ts';
import { planFor } from '../../../src/records/fast/plan.ts';
import { JsonRecordScanner } from '../../../src/records/fast/scan-json.ts';

const planned = planFor(await loadContract('events'));
if ('unsupported' in planned) throw new Error(planned.unsupported);
const plan = planned;
const sessionLeaf = plan.leaves.findIndex((l) => l.path.join('.') === 'session_id');

const SESSION_KEY = '"session_id":';

function record(session: string, key = SESSION_KEY): string {
  return (
    '{"event_id":"7da2849d-73eb-4438-a907-d090402c802d","user_id":"u000488","event_type":"click",' +
    `"event_ts":"2026-11-06T15:54:57.100583Z","amount":null,"country":"FR",${key}"${session}"}`
  );
}

/** Scans `line` placed after `pad` bytes, followed by a newline and `slack` more bytes (the end of the buffer). */
function scan(line: string, pad: number, slack: number): { taken: boolean; session: unknown } {
  const body = Buffer.from(line, 'latin1');
  const buf = new Uint8Array(pad + body.length + 1 + slack);
  buf.set(body, pad);
  buf[pad + body.length] = 0x0a;
  const builders = plan.leaves.map((leaf) => new LeafBuilder(leaf, 4));
  const taken = new JsonRecordScanner(plan.fields, builders).scan(buf, pad, pad + body.length);
  const session = builders[sessionLeaf] as LeafBuilder;
  return { taken, session: taken ? session.normalisedAt(0) : undefined };
}

describe('JsonRecordScanner strings and keys, at every alignment', () => {
  const layouts = Array.from({ length: 4 }, (_, pad) => [0, 1, 2, 3, 8].map((slack) => [pad, slack])).flat();

  it('takes plain printable-ASCII strings of every length, byte for byte', () => {
    for (const [pad, slack] of layouts)
      for (let length = 1; length <= 13; length++) {
        const session = Array.from({ length }, (_, i) => String.fromCharCode(0x20 + ((i * 7 + length) % 95))).join('');
        if (session.includes('"') || session.includes('\\') || session.trim() !== session) continue;
        expect(scan(record(session), pad as number, slack as number), `${session} at ${pad}/${slack}`).toEqual({
          taken: true,
          session,
        });
      }
  });

  it('hands strings with an escape, a control, DEL or non-ASCII at any position to the general path', () => {
    for (const special of ['\\"', '\\n', '\\\\', '\t', '\x7f', '\x80', '\xc3\xa9', '\xff'])
      for (const [pad, slack] of layouts)
        for (let at = 0; at <= 9; at++) {
          const session = `${'s'.repeat(at)}${special}${'x'.repeat(9 - at)}`;
          expect(
            scan(record(session), pad as number, slack as number).taken,
            `${JSON.stringify(session)} at ${pad}`,
          ).toBe(false);
        }
  });

  it('matches keys exactly: any byte of `"name":` changed is no longer that key', () => {
    for (const [pad, slack] of layouts) {
      expect(scan(record('s-1'), pad as number, slack as number).taken).toBe(true);
      // Every byte after the opening quote (which the scanner has checked already), the closing quote and colon too.
      for (let i = 1; i < SESSION_KEY.length; i++) {
        const key = `${SESSION_KEY.slice(0, i)}X${SESSION_KEY.slice(i + 1)}`;
        expect(scan(record('s-1', key), pad as number, slack as number).taken, key).toBe(false);
      }
    }
  });
});
