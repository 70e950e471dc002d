// The ingest Lambda's settings from its environment: a body limit that is not a whole number fails the cold start
// with the variable's name, instead of becoming NaN (which no body is over: no limit at all).
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES } from '../../../src/api/limits.ts';
import { ingestApiFromEnv } from '../../../src/handlers/ingest-api.ts';

const NAMES = ['LAKEHOUSE_STREAM_NAME', 'LAKEHOUSE_RUNS_TABLE', 'LAKEHOUSE_JOBS_TABLE', 'LAKEHOUSE_MAX_BODY_BYTES'];
const saved = Object.fromEntries(NAMES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of NAMES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});

function environment(maxBodyBytes: string | undefined): void {
  process.env.LAKEHOUSE_STREAM_NAME = 'ingest';
  process.env.LAKEHOUSE_RUNS_TABLE = 'runs';
  process.env.LAKEHOUSE_JOBS_TABLE = 'jobs';
  if (maxBodyBytes === undefined) delete process.env.LAKEHOUSE_MAX_BODY_BYTES;
  else process.env.LAKEHOUSE_MAX_BODY_BYTES = maxBodyBytes;
}

const region = { region: 'eu-west-1' };

describe('ingest Lambda environment', () => {
  it('LAKEHOUSE_MAX_BODY_BYTES: the default when unset, the number when set, a CONFIG error otherwise', async () => {
    environment(undefined);
    expect((await ingestApiFromEnv({ kinesis: region, dynamodb: region })).maxBodyBytes).toBe(DEFAULT_MAX_BODY_BYTES);
    environment('1048576');
    expect((await ingestApiFromEnv({ kinesis: region, dynamodb: region })).maxBodyBytes).toBe(1_048_576);
    for (const wrong of ['5MB', '0', '-1', '1.5']) {
      environment(wrong);
      await expect(ingestApiFromEnv({ kinesis: region, dynamodb: region })).rejects.toThrow(
        `environment variable LAKEHOUSE_MAX_BODY_BYTES must be a positive integer, not "${wrong}"`,
      );
    }
  });
});
