// Pipeline runs and API job statuses behind one interface: SQLite locally, DynamoDB in AWS.
// See docs/adr/0009-local-stream-and-metadata.md.
export * from './types.ts';
export { SqliteMetadataStore, metadataDbPath } from './sqlite.ts';
export {
  DynamoMetadataStore,
  jobsTableDefinition,
  runsTableDefinition,
  JOBS_TTL_ATTRIBUTE,
  RUNS_STATUS_INDEX,
} from './dynamodb.ts';
export type { DynamoMetadataStoreOptions } from './dynamodb.ts';
