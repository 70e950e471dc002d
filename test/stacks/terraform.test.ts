// terraform init (provider from the local mirror), validate and test (mock provider: plan with assertions, then
// apply with mock defaults) on every synthesized stack, in a temporary copy.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../stacks/config/load.ts';
import { synthAll } from './helpers/synth.ts';
import { providerSchema, terraform, type ProviderSchema, type Terraform } from './helpers/terraform.ts';
import { tftest } from './helpers/tftest.ts';

const { stacks } = synthAll();
const work = mkdtempSync(join(tmpdir(), 'lakehouse-tf-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Set up inside each test (once), so a missing terraform or mirror fails every test instead of skipping them.
let ready: Promise<{ tf: Terraform; schema: ProviderSchema }> | undefined;
const setup = () =>
  (ready ??= (async () => {
    const tf = terraform();
    return { tf, schema: await providerSchema(tf) };
  })());

// Each terraform process starts the ~700 MB provider; two at a time suits a 2-core machine.
const slots: (() => void)[] = [];
let running = 0;
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resume) => slots.push(resume));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    slots.shift()?.();
  }
}

describe.concurrent('terraform', () => {
  for (const stack of stacks)
    it(`${stack.name}: init, validate, test (plan + mock apply)`, async () => {
      const { tf, schema } = await setup();
      const config = loadConfig(stack.env, { env: {}, localDir: join(work, 'none') });
      const dir = join(work, stack.name);
      cpSync(stack.dir, dir, { recursive: true });
      writeFileSync(join(dir, 'lakehouse.tftest.hcl'), tftest(stack, schema, config));
      if (stack.part === 'bootstrap')
        // terraform test destroys what its apply run created; the state bucket's prevent_destroy (kept in the real
        // configuration) would fail that teardown, so this copy lifts it through a standard override file.
        writeFileSync(
          join(dir, 'test_override.tf.json'),
          JSON.stringify({ resource: { aws_s3_bucket: { state: { lifecycle: { prevent_destroy: false } } } } }),
        );
      await limited(async () => {
        // -backend=false: the S3 state bucket is not reachable from a test; terraform test keeps state in memory.
        await tf.exec(dir, ['init', '-backend=false', '-input=false', '-no-color']);
        const validate = JSON.parse(await tf.exec(dir, ['validate', '-json', '-no-color'])) as {
          valid: boolean;
          error_count: number;
          diagnostics: { severity: string; summary: string }[];
        };
        expect(validate.valid, JSON.stringify(validate.diagnostics)).toBe(true);
        const out = await tf.exec(dir, ['test', '-no-color']);
        expect(out).toMatch(/Success! 2 passed, 0 failed\./);
      });
    });
});
