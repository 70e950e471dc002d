// `npx cdktf synth <stack>` the way its users run it: on the machine's own Node, which may be older than the
// Node 22 the stacks (TypeScript run natively) need. cdktf.json's "app" must find the project's Node 22.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.ts';

const root = join(import.meta.dirname, '../../..');
// The system Node (20 on the reference machine); the bootstrapped Node 22 is not on this PATH.
const systemBin = '/usr/bin';

describe('cdktf app launcher', () => {
  it('synthesizes one stack with `npx cdktf synth` under the system Node', { timeout: 300_000 }, () => {
    const output = tempDir('cdktf-synth-');
    const result = spawnSync(
      join(systemBin, 'npx'),
      ['cdktf', 'synth', 'lakehouse-dev-bootstrap', '--output', output],
      {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, PATH: `${systemBin}:/bin`, LAKEHOUSE_ENVS: 'dev', CHECKPOINT_DISABLE: '1', CI: '1' },
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    const stack = join(output, 'stacks', 'lakehouse-dev-bootstrap', 'cdk.tf.json');
    expect(existsSync(stack), result.stdout).toBe(true);
    const terraform = JSON.parse(readFileSync(stack, 'utf8')) as { resource?: Record<string, unknown> };
    expect(Object.keys(terraform.resource ?? {})).toContain('aws_s3_bucket');
  });
});
