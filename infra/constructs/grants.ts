import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

export interface TableRef {
  readonly tableName: string;
  readonly tableArn: string;
}

/**
 * Gives a function a table: its name in an environment variable and exactly the actions it calls,
 * on the table and on the named indexes only (no index/* wildcard).
 */
export function bindTable(
  fn: LambdaFunction,
  table: TableRef,
  envName: string,
  actions: readonly string[],
  indexes: readonly string[] = [],
): void {
  fn.addEnvironment(envName, table.tableName);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [...actions],
      resources: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index}`)],
    }),
  );
}

/** Object-level S3 actions on keys matching a pattern of one bucket (`*` for all keys). */
export function grantObjects(
  fn: LambdaFunction,
  bucket: IBucket,
  actions: readonly string[],
  keyPattern = '*',
): void {
  fn.addToRolePolicy(
    new PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(keyPattern)] }),
  );
}
