import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { EventSourceMapping, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { COUNTS, DETECTIONS, PET_ENV } from '../../handlers/pet-detector/schema.ts';
import { bindTable } from '../constructs/grants.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { acknowledge, lambdaBasicExecution } from '../nag.ts';
import { type PetDetectorSettings, physicalName } from './settings.ts';

export interface PetStorageStackProps extends StackProps {
  readonly settings: PetDetectorSettings;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * DetectionLogs (the seed's schema: one item per image; SSE, PITR, TTL, a GSI by label and time, a
 * stream) and the per-label counts the stream keeps up to date.
 */
export class PetStorageStack extends Stack {
  readonly detectionTable: Table;
  readonly countsTable: Table;
  readonly labelCounter: HandlerFunction;

  constructor(scope: Construct, id: string, props: PetStorageStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.detectionTable = new Table(this, 'DetectionLogs', {
      tableName: physicalName(settings, 'DetectionLogs'),
      partitionKey: { name: DETECTIONS.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: DETECTIONS.ttlAttribute,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: props.removalPolicy,
    });
    this.detectionTable.addGlobalSecondaryIndex({
      indexName: DETECTIONS.byLabelIndex,
      partitionKey: { name: DETECTIONS.labelKey, type: AttributeType.STRING },
      sortKey: { name: DETECTIONS.timeKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    this.countsTable = new Table(this, 'LabelCounts', {
      tableName: physicalName(settings, 'LabelCounts'),
      partitionKey: { name: COUNTS.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    });

    this.labelCounter = new HandlerFunction(this, 'LabelCounterFunction', {
      functionName: physicalName(settings, 'label-counter'),
      source: 'pet-detector/label-counter.ts',
      description: 'Keeps per-label counts of processed images from the DetectionLogs stream',
    });
    bindTable(this.labelCounter, this.countsTable, PET_ENV.countsTable, [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    const streamArn = this.detectionTable.tableStreamArn as string;
    this.labelCounter.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    new EventSourceMapping(this, 'DetectionLogsStream', {
      target: this.labelCounter,
      eventSourceArn: streamArn,
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 25,
      retryAttempts: 10,
      bisectBatchOnError: true,
    });

    new CfnOutput(this, 'DetectionTableName', { value: this.detectionTable.tableName });
    new CfnOutput(this, 'LabelCountsTableName', { value: this.countsTable.tableName });
    acknowledge(this, lambdaBasicExecution);
  }
}
