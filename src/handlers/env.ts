import { LakehouseError } from '../errors.ts';

/** A configuration value the stacks must set; a missing one fails the cold start with its name. */
export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new LakehouseError('CONFIG', `environment variable ${name} is not set`);
  return value;
}

/** An optional whole-number setting; a value that is not a positive integer fails the cold start with its name. */
export function positiveIntEnv(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number <= 0)
    throw new LakehouseError('CONFIG', `environment variable ${name} must be a positive integer, not "${value}"`);
  return number;
}
