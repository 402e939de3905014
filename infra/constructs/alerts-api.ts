import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ALERT_ENV } from '../../handlers/alerts/schema.ts';
import type { Thresholds } from '../../handlers/alerts/thresholds.ts';
import { ENV } from '../../handlers/shared/schema.ts';
import { bindTable } from './grants.ts';
import { HandlerFunction } from './handler-function.ts';

export interface AlertsApiProps {
  /** Thresholds and outbox (alerts table), and the ledger whose totals item holds the fired state. */
  readonly alertsTable: ITable;
  readonly ledgerTable: ITable;
  /** What a bucket gets until its thresholds are set (the tracker seeds them on first use). */
  readonly defaultThresholds: Thresholds;
}

/**
 * `PUT /alerts/{bucket}` and `GET /alerts/{bucket}` on an existing REST API: a bucket's alert
 * thresholds (validated; 4xx JSON naming the field) and its fired alerts.
 */
export class AlertsApi extends Construct {
  readonly function: HandlerFunction;

  constructor(scope: Construct, id: string, api: RestApi, props: AlertsApiProps) {
    super(scope, id);
    this.function = new HandlerFunction(this, 'AlertsApiFunction', {
      source: 'alerts-api.ts',
      description: "Reads and sets a bucket's alert thresholds; lists its fired alerts",
      environment: { [ALERT_ENV.defaultThresholds]: JSON.stringify(props.defaultThresholds) },
    });
    bindTable(this.function, props.alertsTable, ALERT_ENV.alertsTable, [
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    ]);
    bindTable(this.function, props.ledgerTable, ENV.ledgerTable, ['dynamodb:GetItem']);
    const integration = new LambdaIntegration(this.function);
    const bucket = api.root.addResource('alerts').addResource('{bucket}');
    bucket.addMethod('GET', integration);
    bucket.addMethod('PUT', integration);
  }
}
