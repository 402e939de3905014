import { CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction as LambdaTarget } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ENV } from '../../handlers/shared/schema.ts';
import { bindTable } from '../constructs/grants.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { HardenedBucket } from '../constructs/hardened-bucket.ts';
import { acknowledge, lambdaBasicExecution, objectWildcard } from '../nag.ts';

export interface SizeTrackingStackProps extends StackProps {
  readonly historyTable: ITable;
  readonly ledgerTable: ITable;
  readonly removalPolicy: RemovalPolicy;
  /** How often the reconciler recounts the bucket. */
  readonly reconcileEvery: Duration;
  /**
   * Versioning of the tracked bucket: `{ noncurrentDays }` keeps every version and expires a
   * noncurrent one that many days after it was replaced or deleted; false keeps no versions.
   */
  readonly versioning: { readonly noncurrentDays: number } | false;
}

/**
 * What the tracker does with the tables: one consistent read (TransactGetItems, authorized as
 * GetItem on each item: ledger entry, totals, roll-ups), then one conditional transaction.
 */
const ledgerActions = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];
const historyActions = ['dynamodb:GetItem', 'dynamodb:PutItem'];

/** Events that change which objects a bucket holds, each family needing its own subscription. */
export const trackedEvents = [
  's3:ObjectCreated:*',
  's3:ObjectRemoved:*',
  's3:LifecycleExpiration:*',
] as const;

/**
 * The tracked bucket, the size-tracking function subscribed to it, and the reconciler. The bucket
 * lives here, next to the function its notifications name, so the storage stack never depends on a
 * function and no stack depends back on this one.
 */
export class SizeTrackingStack extends Stack {
  readonly trackedBucket: Bucket;
  readonly trackerFunction: HandlerFunction;
  readonly reconcileFunction: HandlerFunction;
  /** Put and delete on the tracked bucket's objects, for functions in other stacks (the driver). */
  readonly bucketWriterPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: SizeTrackingStackProps) {
    super(scope, id, props);
    // Versioned by default: an overwrite or a delete keeps the old bytes recoverable (and billed,
    // hence the stored totals) until the lifecycle rule expires them.
    const versioning = props.versioning;
    this.trackedBucket = new HardenedBucket(this, 'TrackedBucket', {
      removalPolicy: props.removalPolicy,
      versioned: versioning !== false,
      lifecycleRules: versioning
        ? [
            {
              id: 'ExpireNoncurrentVersions',
              noncurrentVersionExpiration: Duration.days(versioning.noncurrentDays),
              // a delete marker left with no versions behind it only hides nothing
              expiredObjectDeleteMarker: true,
            },
          ]
        : [],
    });

    this.trackerFunction = new HandlerFunction(this, 'SizeTrackingFunction', {
      source: 'size-tracking.ts',
      description: 'Applies S3 object events to the exact size history (O(1) calls per event)',
    });
    bindTable(this.trackerFunction, props.ledgerTable, ENV.ledgerTable, ledgerActions);
    bindTable(this.trackerFunction, props.historyTable, ENV.historyTable, historyActions);

    // Read access for the content-type lookup and for asking S3 about one key when an event alone
    // cannot decide (ListObjectVersions with the key as prefix; ListObjectsV2 where versions are refused), in
    // a policy of its own: the function must not depend on it, or CloudFormation sees
    // bucket -> permission -> function -> policy -> bucket.
    const readObjects = new Policy(this, 'SizeTrackingReadObjects', {
      roles: this.trackerFunction.role ? [this.trackerFunction.role] : [],
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [this.trackedBucket.arnForObjects('*')],
        }),
        new PolicyStatement({
          actions: ['s3:ListBucket', 's3:ListBucketVersions'],
          resources: [this.trackedBucket.bucketArn],
        }),
      ],
    });

    // Native notifications (no Custom::S3BucketNotifications, which the free LocalStack skips).
    // SourceAccount, not SourceArn: naming the bucket here would close the same cycle.
    const invokePermission = new CfnPermission(this, 'S3InvokeSizeTracking', {
      action: 'lambda:InvokeFunction',
      functionName: this.trackerFunction.functionArn,
      principal: 's3.amazonaws.com',
      sourceAccount: this.account,
    });
    const cfnBucket = this.trackedBucket.node.defaultChild as CfnBucket;
    cfnBucket.notificationConfiguration = {
      lambdaConfigurations: trackedEvents.map((event) => ({
        event,
        function: this.trackerFunction.functionArn,
      })),
    };
    cfnBucket.node.addDependency(invokePermission);

    this.reconcileFunction = new HandlerFunction(this, 'ReconcileFunction', {
      source: 'reconcile.ts',
      description: 'Recounts the tracked bucket from a full listing and corrects drift',
      timeout: Duration.minutes(10),
      memorySize: 512,
      environment: { [ENV.trackedBucket]: this.trackedBucket.bucketName },
    });
    bindTable(this.reconcileFunction, props.ledgerTable, ENV.ledgerTable, [
      ...ledgerActions,
      'dynamodb:Query',
    ]);
    bindTable(this.reconcileFunction, props.historyTable, ENV.historyTable, historyActions);
    this.reconcileFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketVersions'],
        resources: [this.trackedBucket.bucketArn],
      }),
    );
    new Rule(this, 'ReconcileSchedule', {
      description: 'Recount the tracked bucket: events can be dropped, and objects predate tracking',
      schedule: Schedule.rate(props.reconcileEvery),
      targets: [new LambdaTarget(this.reconcileFunction, { retryAttempts: 2 })],
    });

    // Lives with the bucket so that its wildcard is checked (and acknowledged) where the bucket is.
    this.bucketWriterPolicy = new ManagedPolicy(this, 'TrackedBucketWriter', {
      description: 'Put and delete objects of the tracked bucket',
      statements: [
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:DeleteObject'],
          resources: [this.trackedBucket.arnForObjects('*')],
        }),
      ],
    });

    new CfnOutput(this, 'BucketName', {
      value: this.trackedBucket.bucketName,
      description: 'The tracked bucket',
    });
    new CfnOutput(this, 'SizeTrackingFunctionName', { value: this.trackerFunction.functionName });
    new CfnOutput(this, 'ReconcileFunctionName', { value: this.reconcileFunction.functionName });

    acknowledge(this, lambdaBasicExecution);
    acknowledge(
      readObjects,
      objectWildcard(
        this.trackedBucket,
        '*',
        'the content-type lookup and the per-key check read any object (and version) of the tracked bucket',
      ),
    );
    acknowledge(
      this.bucketWriterPolicy,
      objectWildcard(
        this.trackedBucket,
        '*',
        'whoever plays scenarios writes and deletes keys of its choice',
      ),
    );
    acknowledge(this.trackedBucket, {
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs need a second bucket per stage; the size history is the audit trail this app keeps.',
    });
  }
}
