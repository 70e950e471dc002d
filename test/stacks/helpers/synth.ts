// Synthesizes every environment once per test file into a temporary folder, with overrides from the machine
// (env vars, local.<env>.json) switched off so results and snapshots are the committed configuration's.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { synthApp } from '../../../stacks/app.ts';
import type { EnvironmentName } from '../../../stacks/config/types.ts';
import { ENVIRONMENTS } from '../../../stacks/config/types.ts';
import { tempDir } from '../../helpers/tmp.ts';

export interface TfJson {
  terraform?: { backend?: Record<string, Record<string, unknown>> };
  provider?: { aws?: Record<string, unknown>[] };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  [key: string]: unknown;
}

export interface SynthStack {
  readonly name: string;
  readonly env: EnvironmentName;
  readonly part: string;
  /** Folder with cdk.tf.json and assets/. */
  readonly dir: string;
  readonly json: TfJson;
}

export interface Synth {
  readonly outdir: string;
  readonly stacks: readonly SynthStack[];
}

let cached: Synth | undefined;

export function synthAll(): Synth {
  if (cached) return cached;
  const root = tempDir('lakehouse-stacks-');
  const outdir = join(root, 'cdktf.out');
  const localDir = join(root, 'no-local-config');
  mkdirSync(localDir);
  synthApp({ outdir, environments: ENVIRONMENTS, env: {}, localDir });
  const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string; workingDirectory: string }>;
  };
  const stacks = Object.entries(manifest.stacks).map(([name, entry]): SynthStack => {
    const [, env, part] = /^lakehouse-(dev|staging|prod)-(.+)$/.exec(name) ?? [];
    if (!env || !part) throw new Error(`unexpected stack name ${name}`);
    return {
      name,
      env: env as EnvironmentName,
      part,
      dir: join(outdir, entry.workingDirectory),
      json: JSON.parse(readFileSync(join(outdir, entry.synthesizedStackPath), 'utf8')) as TfJson,
    };
  });
  cached = { outdir, stacks };
  return cached;
}

/** `[type, logicalId, body]` of every resource (or data source) in a stack. */
export function blocks(
  json: TfJson,
  kind: 'resource' | 'data' = 'resource',
): [string, string, Record<string, unknown>][] {
  return Object.entries(json[kind] ?? {}).flatMap(([type, byId]) =>
    Object.entries(byId).map(([id, body]): [string, string, Record<string, unknown>] => [type, id, body]),
  );
}

export function ofType(
  json: TfJson,
  type: string,
  kind: 'resource' | 'data' = 'resource',
): [string, Record<string, unknown>][] {
  return Object.entries((json[kind] ?? {})[type] ?? {});
}
