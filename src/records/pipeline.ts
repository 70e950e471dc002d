// The record path shared by the CLI, the Lambdas and the local pipeline:
//   parsed items → (CSV coercion) → normalising transforms → validation → normalisation → derivations → dedupe
//   → columnar batches + quarantine entries.
// Accounting: every item received ends in exactly one of the two outputs, so `received = accepted + quarantined`.
import type { Contract, Field } from '../contracts/model.ts';
import type { ParsedItem, ParseOptions, Unparseable } from '../formats/types.ts';
import { BatchBuilder, type RecordBatch } from './batch.ts';
import {
  compileDerivations,
  compilePreValidation,
  compilePrimaryKey,
  dedupeKeep,
  type EnrichHook,
  type RecordObject,
} from './transform.ts';
import { compileValidator, type Violation } from './validate.ts';
import { setField } from '../formats/csv-messages.ts';
import { escapePointer, exactNumberTexts, keepExactNumberTexts } from '../formats/json-value.ts';
import { CellProblem, coerceText, normalise, useExactDecimals, type Normalised } from './values.ts';

export type QuarantineReason = 'parse' | 'validation' | 'duplicate';

export interface QuarantineEntry {
  /** Where the record came from: a file path, `api:<jobId>`, `kinesis:<shard>`, … */
  readonly source: string;
  readonly line: number;
  readonly offset?: number;
  readonly reason: QuarantineReason;
  readonly violations: readonly Violation[];
  /** The record as received. */
  readonly raw: string;
}

export interface ProcessedChunk {
  readonly batch: RecordBatch;
  readonly quarantined: readonly QuarantineEntry[];
  /** Items received in this chunk: batch.length + quarantined.length. */
  readonly received: number;
  /** For each row of the batch, the index of the item it came from (lineage back to the input). */
  readonly acceptedIndices: readonly number[];
}

export interface ProcessOptions extends ParseOptions {
  /** Input format override (json, ndjson, csv, parquet). */
  readonly format?: string;
  /** Records per chunk, and the scope of primary-key de-duplication (default 65,536). */
  readonly batchSize?: number;
  readonly enrich?: EnrichHook;
  /** Source label for quarantine entries (default: the input path). */
  readonly source?: string;
  /** Values are CSV text to coerce per contract (set automatically for CSV files). */
  readonly textValues?: boolean;
}

interface Pending {
  row: Normalised[];
  item: ParsedItem;
  index: number;
}

/** A compiled record processor for one contract: reusable across inputs, batches and Lambda invocations. */
export class RecordProcessor {
  readonly contract: Contract;
  private readonly validate: (record: unknown) => Violation[];
  private readonly prepare: (record: RecordObject) => RecordObject;
  private readonly derive: (row: Normalised[]) => void;
  private readonly keyOf: (row: readonly Normalised[]) => string;
  readonly keep: 'first' | 'last' | undefined;
  private readonly inputFields: readonly Field[];
  private readonly fieldsByName: ReadonlyMap<string, Field>;
  private readonly derivedNames: readonly string[];

  constructor(contract: Contract, enrich?: EnrichHook) {
    this.contract = contract;
    this.validate = compileValidator(contract);
    this.prepare = compilePreValidation(contract, enrich);
    this.derive = compileDerivations(contract);
    this.keyOf = compilePrimaryKey(contract);
    this.keep = dedupeKeep(contract);
    this.inputFields = contract.inputFields;
    this.fieldsByName = new Map(contract.inputFields.map((f) => [f.name, f]));
    this.derivedNames = contract.fields.filter((f) => f.derived).map((f) => f.name);
  }

  /** Processes items into one chunk; the caller decides chunk sizes. */
  processChunk(items: readonly ParsedItem[], source: string, textValues: boolean): ProcessedChunk {
    const quarantined: QuarantineEntry[] = [];
    const pending: (Pending | undefined)[] = [];
    const seen = new Map<string, number>();
    const quarantine = (item: ParsedItem, reason: QuarantineReason, violations: readonly Violation[]): void => {
      quarantined.push(quarantineEntry(item, source, reason, violations));
    };
    for (const [index, item] of items.entries()) {
      if (item.kind === 'unparseable') {
        quarantine(item, 'parse', [unparseableViolation(item)]);
        continue;
      }
      const row = this.toRow(item.value, textValues);
      if (!Array.isArray(row)) {
        quarantine(item, 'validation', row.violations);
        continue;
      }
      if (this.keep) {
        const key = this.keyOf(row);
        const earlier = seen.get(key);
        if (earlier !== undefined) {
          const duplicate = duplicateViolation(this.contract, this.keep, key);
          if (this.keep === 'first') {
            quarantine(item, 'duplicate', [duplicate]);
            continue;
          }
          quarantine((pending[earlier] as Pending).item, 'duplicate', [duplicate]);
          pending[earlier] = undefined;
        }
        seen.set(key, pending.length);
      }
      pending.push({ row, item, index });
    }
    const builder = new BatchBuilder(this.contract);
    const acceptedIndices: number[] = [];
    for (const entry of pending) {
      if (!entry) continue;
      builder.append(entry.row);
      acceptedIndices.push(entry.index);
    }
    return { batch: builder.flush(), quarantined, received: items.length, acceptedIndices };
  }

  /** The de-duplication key of a normalised row (aligned with `contract.fields`). */
  primaryKeyOf(row: readonly Normalised[]): string {
    return this.keyOf(row);
  }

  /** A validated, normalised row aligned with `contract.fields`, or the record's violations. */
  toRow(value: unknown, textValues: boolean): Normalised[] | { violations: Violation[] } {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { violations: [{ path: '/', rule: 'type', expected: 'object', actual: value }] };
    }
    let record = value as RecordObject;
    let cellViolations: Violation[] = [];
    if (textValues) ({ record, violations: cellViolations } = this.coerceCells(record));
    for (const name of this.derivedNames) {
      // Derived columns are recomputed; a copy arriving with the input (e.g. re-reading our own Parquet) is dropped.
      if (name in record) {
        const copy = { ...record };
        keepExactNumberTexts(record, copy);
        record = copy;
        delete record[name];
      }
    }
    record = this.prepare(record);
    const violations = withCellViolations(cellViolations, this.validate(record));
    if (violations.length) return { violations };
    const exactTexts = exactNumberTexts(record);
    if (exactTexts) useExactDecimals(this.inputFields, record, exactTexts);
    const row: Normalised[] = new Array<Normalised>(this.contract.fields.length).fill(null);
    for (let i = 0; i < this.inputFields.length; i++) {
      const field = this.inputFields[i] as Field;
      row[i] = normalise(field.type, record[field.name]);
    }
    this.derive(row);
    return row;
  }

  /** CSV cells (text) turned into the JSON values the contract expects; unparseable text is kept for validation. */
  coerceText(record: RecordObject): RecordObject {
    return this.coerceCells(record).record;
  }

  /**
   * `coerceText`, and the violations of cells that parse but cannot stand for their value (see `CellProblem`):
   * such a cell keeps its text in the record.
   */
  private coerceCells(record: RecordObject): { record: RecordObject; violations: Violation[] } {
    const out: RecordObject = {};
    const violations: Violation[] = [];
    for (const [name, value] of Object.entries(record)) {
      const field = this.fieldsByName.get(name);
      if (field && typeof value === 'string') {
        const coerced = coerceText(field, value);
        if (coerced instanceof CellProblem) {
          violations.push({
            path: `/${escapePointer(name)}${coerced.path}`,
            rule: coerced.rule,
            expected: coerced.message,
            actual: value,
          });
          setField<unknown>(out, name, value);
          continue;
        }
        if (coerced !== null || field.nullable) setField(out, name, coerced); // empty optional cell → absent
        if (typeof coerced === 'object' && coerced !== null) keepExactNumberTexts(coerced, out, name);
      } else {
        setField(out, name, value); // any name, `__proto__` too: an unknown column is reported
      }
    }
    return { record: out, violations };
  }
}

/**
 * The violations of cells that could not be coerced, then the validator's, less those about the same cells (the
 * validator sees their text and would only add a less specific `type`).
 */
function withCellViolations(cells: readonly Violation[], validated: readonly Violation[]): Violation[] {
  if (cells.length === 0) return validated as Violation[];
  const cellPaths = cells.map((v) => `/${v.path.split('/')[1] ?? ''}`);
  const others = validated.filter((v) => !cellPaths.some((p) => v.path === p || v.path.startsWith(`${p}/`)));
  return [...cells, ...others];
}

export function quarantineEntry(
  item: ParsedItem,
  source: string,
  reason: QuarantineReason,
  violations: readonly Violation[],
): QuarantineEntry {
  return {
    source,
    line: item.line,
    ...(item.offset !== undefined ? { offset: item.offset } : {}),
    reason,
    violations,
    raw: item.raw,
  };
}

export function unparseableViolation(item: Unparseable): Violation {
  return { path: item.path ?? '/', rule: item.rule, expected: 'a well-formed record', actual: item.message };
}

/** The violation of a record whose primary key (`key`, from `primaryKeyOf`) repeats within its batch. */
export function duplicateViolation(contract: Contract, keep: 'first' | 'last', key: string): Violation {
  return {
    path: `/${contract.primaryKey.join(',')}`,
    rule: 'duplicate',
    expected: `a unique primary key within the batch (keeping the ${keep})`,
    actual: key.split('\u0001').join(','),
  };
}

/** Streams parsed items through a processor in chunks of `batchSize` records. */
export async function* processItems(
  items: AsyncIterable<readonly ParsedItem[]>,
  processor: RecordProcessor,
  options: { source: string; batchSize?: number; textValues?: boolean },
): AsyncIterable<ProcessedChunk> {
  const batchSize = options.batchSize ?? 65_536;
  let buffer: ParsedItem[] = [];
  for await (const parsed of items) {
    for (const item of parsed) {
      buffer.push(item);
      if (buffer.length >= batchSize) {
        yield processor.processChunk(buffer, options.source, options.textValues ?? false);
        buffer = [];
      }
    }
  }
  if (buffer.length) yield processor.processChunk(buffer, options.source, options.textValues ?? false);
}

/** Opens a file (any supported format) and streams it through the record path. */
export async function processInput(
  path: string,
  contract: Contract,
  options: ProcessOptions = {},
): Promise<{ format: string; chunks: AsyncIterable<ProcessedChunk> }> {
  // Loaded on demand: worker threads use RecordProcessor without any file parser.
  const { openFile } = await import('../formats/index.ts');
  const opened = await openFile(path, options);
  const processor = new RecordProcessor(contract, options.enrich);
  return {
    format: opened.format,
    chunks: processItems(opened.items, processor, {
      source: options.source ?? path,
      batchSize: options.batchSize,
      textValues: options.textValues ?? opened.format === 'csv',
    }),
  };
}
