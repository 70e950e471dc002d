// Every checkov finding the stacks accept, with the resources it may apply to and the reason. checkov.test.ts
// fails on any finding not listed here and on any entry that no longer matches a finding (stale reasons rot).

export interface CheckovSkip {
  readonly check: string;
  /** Matched against `<stack>:<checkov's resource id>` (`aws_s3_bucket.<id>`, `resource.<id>` or `data.<id>`). */
  readonly resources: RegExp;
  readonly reason: string;
}

export const CHECKOV_SKIPS: readonly CheckovSkip[] = [
  {
    check: 'CKV_AWS_338',
    resources: /:resource\.[\w-]*logs[\w-]*_[0-9A-F]{8}$/,
    reason:
      'Log retention is per environment (dev 14, staging 30, prod 90 days) from config; a year of operational logs costs more than it is worth here.',
  },
  {
    check: 'CKV_AWS_111',
    resources: /:data\.(key_policy_|state-key-policy$)/,
    reason:
      'KMS key policies: Resource "*" is the key itself, the only value KMS accepts; the principal is this account.',
  },
  {
    check: 'CKV_AWS_356',
    resources: /:data\.(key_policy_|state-key-policy$)/,
    reason: 'KMS key policies: Resource "*" is the key itself, the only value KMS accepts.',
  },
  {
    check: 'CKV_AWS_109',
    resources: /:data\.(key_policy_|state-key-policy$)/,
    reason: 'KMS key policies must let the account administer the key (PutKeyPolicy) or it becomes unmanageable.',
  },
  {
    check: 'CKV_AWS_116',
    resources: /:resource\.ingestion_(ingest|processor)_function_/,
    reason:
      'Neither Lambda is invoked asynchronously: the API call is synchronous and the Kinesis mapping has its own on-failure SQS destination.',
  },
  {
    check: 'CKV_AWS_117',
    resources: /:resource\.ingestion_(ingest|processor)_function_/,
    reason:
      'The Lambdas call only AWS public endpoints (Kinesis, S3, Glue, DynamoDB); a VPC would add NAT cost and cold-start time for no isolation gain.',
  },
  {
    check: 'CKV_AWS_115',
    resources: /:resource\.ingestion_ingest_function_/,
    reason:
      'The ingest Lambda is bounded by the API stage throttling (rate and burst from config); reserving concurrency would starve small sandbox accounts.',
  },
  {
    check: 'CKV_AWS_272',
    resources: /:resource\.ingestion_(ingest|processor)_function_/,
    reason:
      'Code is built from the repository at synth and stored content-addressed in the artifacts bucket; AWS Signer is not part of this deployment yet.',
  },
  {
    check: 'CKV2_AWS_62',
    resources: /:aws_s3_bucket\./,
    reason:
      'Nothing consumes S3 events: data arrives through the API and Kinesis, and crawls are scheduled or run by the state machine.',
  },
  {
    check: 'CKV_AWS_144',
    resources: /:aws_s3_bucket\./,
    reason:
      'Cross-region replication doubles storage cost; versioning, noncurrent-version retention and PITR cover recovery (docs/best-practices.md).',
  },
  {
    check: 'CKV_AWS_18',
    resources: /-(data:aws_s3_bucket\.storage_access-logs_bucket_|bootstrap:aws_s3_bucket\.state)/,
    reason:
      'The access-log bucket cannot log to itself; the state bucket is created before any log bucket exists (CloudTrail covers its API calls).',
  },
  {
    check: 'CKV_AWS_145',
    resources: /-data:aws_s3_bucket\.storage_access-logs_bucket_/,
    reason: 'S3 server access logging only writes to SSE-S3 buckets; the access-log bucket uses AES256.',
  },
];
