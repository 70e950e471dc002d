import { LakehouseError } from '../errors.ts';

/** A configuration value the stacks must set; a missing one fails the cold start with its name. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new LakehouseError('CONFIG', `environment variable ${name} is not set`);
  return value;
}
