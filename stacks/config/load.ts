import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deepMerge, environmentDefaults } from './environments.ts';
import { ENVIRONMENTS, type DeepPartial, type EnvironmentConfig, type EnvironmentName } from './types.ts';
import { ConfigError, validateConfig } from './validate.ts';

const CONFIG_DIR = dirname(fileURLToPath(import.meta.url));

export interface LoadOptions {
  /** Environment variables to read overrides from (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder holding the git-ignored `local.<env>.json` files (default stacks/config). */
  readonly localDir?: string;
  /** Last, programmatic patch (tests). */
  readonly patch?: DeepPartial<EnvironmentConfig>;
}

/**
 * The configuration of one environment: committed defaults, then `stacks/config/local.<env>.json` (not committed),
 * then `LAKEHOUSE_<ENV>_*` variables, then `patch`, validated as a whole.
 */
export function loadConfig(environment: EnvironmentName, options: LoadOptions = {}): EnvironmentConfig {
  if (!(ENVIRONMENTS as readonly string[]).includes(environment))
    throw new ConfigError(String(environment), [`unknown environment; expected one of ${ENVIRONMENTS.join(', ')}`]);
  let config = environmentDefaults(environment);
  const localFile = join(options.localDir ?? CONFIG_DIR, `local.${environment}.json`);
  if (existsSync(localFile)) config = deepMerge(config, readLocalFile(environment, localFile));
  config = deepMerge(config, envOverrides(environment, options.env ?? process.env));
  if (options.patch) config = deepMerge(config, options.patch);
  // `LAKEHOUSE_<ENV>_PROFILE=none` drops the profile so CI can use its default credential chain.
  if ((options.env ?? process.env)[`LAKEHOUSE_${environment.toUpperCase()}_PROFILE`] === 'none') {
    const { profile: _dropped, ...rest } = config;
    config = rest;
  }
  return validateConfig(config);
}

/** Environments to synthesize: `LAKEHOUSE_ENVS=dev,staging` narrows the default of all three. */
export function selectedEnvironments(env: NodeJS.ProcessEnv = process.env): EnvironmentName[] {
  const raw = env.LAKEHOUSE_ENVS?.trim();
  if (!raw) return [...ENVIRONMENTS];
  const names = raw.split(',').map((s) => s.trim());
  const unknown = names.filter((n) => !(ENVIRONMENTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new ConfigError(unknown.join(','), [
      `LAKEHOUSE_ENVS names unknown environments; expected ${ENVIRONMENTS.join(', ')}`,
    ]);
  return names as EnvironmentName[];
}

function readLocalFile(environment: string, file: string): unknown {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed;
  } catch (error) {
    throw new ConfigError(environment, [`${file}: ${(error as Error).message}`]);
  }
}

/** The few values people override most, as `LAKEHOUSE_DEV_ACCOUNT`, `LAKEHOUSE_PROD_ALERT_EMAILS=a@x,b@y`, … */
function envOverrides(environment: EnvironmentName, env: NodeJS.ProcessEnv): DeepPartial<EnvironmentConfig> {
  const prefix = `LAKEHOUSE_${environment.toUpperCase()}_`;
  const get = (key: string): string | undefined => {
    const value = env[prefix + key];
    return value === undefined || value === '' ? undefined : value;
  };
  const out: DeepPartial<EnvironmentConfig> = {};
  const account = get('ACCOUNT');
  if (account) out.account = account;
  const region = get('REGION');
  if (region) out.region = region;
  const profile = get('PROFILE');
  if (profile && profile !== 'none') out.profile = profile;
  const emails = get('ALERT_EMAILS');
  if (emails)
    out.monitoring = {
      alertEmails: emails
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    };
  const mwaa = get('MWAA');
  if (mwaa) out.features = { mwaa: parseBool(environment, prefix + 'MWAA', mwaa) };
  const json = get('CONFIG_JSON');
  if (json) {
    try {
      return deepMerge(out, JSON.parse(json));
    } catch (error) {
      throw new ConfigError(environment, [`${prefix}CONFIG_JSON: ${(error as Error).message}`]);
    }
  }
  return out;
}

function parseBool(environment: string, name: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(environment, [`${name} must be true or false, got ${JSON.stringify(value)}`]);
}
