// Contract fields for tests that build schemas by hand: `field(id, name, type)` is optional unless told.
import type { Field, FieldType } from '../../src/contracts/model.ts';

export const field = (id: number, name: string, type: FieldType, optional = true): Field => ({
  id,
  name,
  type,
  required: !optional,
  nullable: optional,
  rules: {},
});

export const STRING = { kind: 'string' } as const;
export const INT = { kind: 'int' } as const;
export const LONG = { kind: 'long' } as const;
export const DOUBLE = { kind: 'double' } as const;
export const BOOLEAN = { kind: 'boolean' } as const;
