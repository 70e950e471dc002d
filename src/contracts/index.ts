// Data contracts' public surface (package subpath `lakehouse/contracts`): loading a built-in or a file contract,
// or building one from a JSON document, and the contract model.
export { BUILTIN_CONTRACTS, contractFromDocument, loadContract } from './load.ts';
export { fieldByName, lastFieldId } from './model.ts';
export type {
  Contract,
  Field,
  FieldRules,
  FieldType,
  ListType,
  PartitionField,
  PartitionTransform,
  PrimitiveType,
  SortField,
  StructType,
  TransformSpec,
} from './model.ts';
