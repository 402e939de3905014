import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  /** A cdk-nag rule id, optionally narrowed to one finding: 'AwsSolutions-IAM5[Resource::...]'. */
  readonly id: string;
  readonly reason: string;
}

/** Acknowledges cdk-nag findings on a construct, each with the reason it is acceptable here. */
export function acknowledge(scope: IConstruct, ...acks: Acknowledgement[]): void {
  for (const ack of acks) Validations.of(scope).acknowledge(ack);
}

export const lambdaBasicExecution: Acknowledgement = {
  id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
  reason: 'AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs.',
};

/**
 * Acknowledges exactly one IAM5 finding: the object part of one bucket's ARN (bucket/<pattern>) in
 * the same stack. Actions are always listed explicitly, so no action wildcard hides behind this.
 */
export function objectWildcard(bucket: IBucket, pattern: string, why: string): Acknowledgement {
  const cfnBucket = bucket.node.defaultChild as CfnResource;
  const logicalId = Stack.of(bucket).resolve(cfnBucket.logicalId) as string;
  return {
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${pattern}]`,
    reason: `Object-level access needs an object ARN pattern: ${why}.`,
  };
}
