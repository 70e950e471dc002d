// The package root (`lakehouse`): the few names most consumers need, from the subpath entry points
// (`lakehouse/contracts`, `lakehouse/formats`, `lakehouse/records`, `lakehouse/iceberg`, `lakehouse/catalog`,
// `lakehouse/io`), which remain the full surface. See docs/library.md.
export { contractFromDocument, loadContract } from './contracts/index.ts';
export type { Contract, Field } from './contracts/index.ts';
export { convertFile, processInput, RecordProcessor } from './records/index.ts';
export type { ConvertSummary, QuarantineEntry, RecordBatch, Violation } from './records/index.ts';
export { Table } from './iceberg/index.ts';
export { openCatalog, SqlCatalog } from './catalog/index.ts';
export type { Catalog, TableIdentifier } from './catalog/index.ts';
export { isLakehouseError, LakehouseError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
