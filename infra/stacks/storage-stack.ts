import { CfnOutput, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { ALERTS } from '../../handlers/alerts/schema.ts';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';

export interface StorageStackProps extends StackProps {
  readonly removalPolicy: RemovalPolicy;
}

/** The size history (with its largest-size index) and the per-object ledger. Depends on nothing. */
export class StorageStack extends Stack {
  readonly historyTable: Table;
  readonly ledgerTable: Table;
  /** Alert thresholds and the alerts outbox; its stream feeds the publisher. */
  readonly alertsTable: Table;

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy,
    };

    this.historyTable = new Table(this, 'SizeHistory', {
      ...common,
      partitionKey: { name: HISTORY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: HISTORY.sortKey, type: AttributeType.STRING },
    });
    this.historyTable.addGlobalSecondaryIndex({
      indexName: HISTORY.largestSizeIndex,
      partitionKey: { name: HISTORY.partitionKey, type: AttributeType.STRING },
      sortKey: { name: HISTORY.sizeAttribute, type: AttributeType.NUMBER },
      projectionType: ProjectionType.KEYS_ONLY,
    });

    this.ledgerTable = new Table(this, 'ObjectLedger', {
      ...common,
      partitionKey: { name: LEDGER.partitionKey, type: AttributeType.STRING },
      sortKey: { name: LEDGER.sortKey, type: AttributeType.STRING },
    });

    this.alertsTable = new Table(this, 'Alerts', {
      ...common,
      partitionKey: { name: ALERTS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: ALERTS.sortKey, type: AttributeType.STRING },
      // the outbox rows, as written: the publisher needs only the new image
      stream: StreamViewType.NEW_IMAGE,
    });

    new CfnOutput(this, 'TableName', {
      value: this.historyTable.tableName,
      description: 'Size history table',
    });
    new CfnOutput(this, 'LedgerTableName', {
      value: this.ledgerTable.tableName,
      description: 'Per-object ledger and totals',
    });
    new CfnOutput(this, 'AlertsTableName', {
      value: this.alertsTable.tableName,
      description: 'Alert thresholds per bucket and the alerts outbox',
    });
  }
}
