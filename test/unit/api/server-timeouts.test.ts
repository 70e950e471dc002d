// Slow clients against the local server: a client that sends its headers and then trickles the body (or trickles
// the headers) must be cut off within the configured time, while other clients are served meanwhile.
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContract } from '../../../src/contracts/load.ts';
import { validEvent } from '../../helpers/collect.ts';
import { startLocalApi } from './local-api.ts';

const REQUEST_MS = 2_000;
const HEADERS_MS = 600;
/** Node checks the timeouts on an interval (a quarter of the headers' limit here) and needs a moment to close. */
const SLACK_MS = 1_500;
let port = 0;
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const local = await startLocalApi([await loadContract('events')], {
    timeouts: { requestMs: REQUEST_MS, headersMs: HEADERS_MS },
  });
  ({ port, close } = local);
});
afterAll(() => close());

interface Trickle {
  readonly socket: Socket;
  readonly openedAt: number;
  /** When the server closed the connection (rejects if it is still open after `waitMs`), and what it answered. */
  readonly closed: (waitMs: number) => Promise<{ at: number; answer: string }>;
  readonly stop: () => void;
}

/** Opens a connection, sends `head` at once, then one byte of `drip` every `everyMs`. */
async function trickle(head: string, drip: string, everyMs: number): Promise<Trickle> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined); // a write racing the server's close may fail: the close is what is tested
  await once(socket, 'connect');
  const openedAt = Date.now();
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  const ended = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  socket.write(head);
  let sent = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(drip[sent++ % drip.length] as string);
  }, everyMs);
  const stop = () => {
    clearInterval(timer);
    socket.destroy();
  };
  const closed = async (waitMs: number) => {
    const timeout = new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`the server kept the slow connection open for ${waitMs} ms`)), waitMs),
    );
    const at = await Promise.race([ended, timeout]);
    clearInterval(timer);
    return { at, answer };
  };
  return { socket, openedAt, closed, stop };
}

describe('server timeouts', () => {
  it('a body trickled after the headers is cut off (408) within the request timeout; others are served meanwhile', async () => {
    const slow = await trickle(
      'POST /v1/datasets/events/records HTTP/1.1\r\nHost: localhost\r\n' +
        'Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n',
      JSON.stringify(validEvent()),
      100,
    );
    try {
      // While the slow client holds its connection, a normal one is answered at once.
      const started = Date.now();
      const served = await fetch(`http://127.0.0.1:${port}/v1/datasets/events/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(validEvent()),
      });
      expect(served.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(REQUEST_MS);
      expect(slow.socket.destroyed).toBe(false);

      const { at, answer } = await slow.closed(REQUEST_MS + SLACK_MS + 3_000);
      expect(at - slow.openedAt).toBeGreaterThanOrEqual(REQUEST_MS - 50);
      expect(at - slow.openedAt).toBeLessThan(REQUEST_MS + SLACK_MS);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      slow.stop();
    }
  });

  it('headers trickled byte by byte are cut off within the headers timeout', async () => {
    const slow = await trickle(
      'POST /v1/datasets/events/records HTTP/1.1\r\nHost: localhost\r\n',
      'X-Slow: yes\r\n',
      50,
    );
    try {
      const { at } = await slow.closed(HEADERS_MS + SLACK_MS + 3_000);
      expect(at - slow.openedAt).toBeLessThan(HEADERS_MS + SLACK_MS);
    } finally {
      slow.stop();
    }
  });
});
