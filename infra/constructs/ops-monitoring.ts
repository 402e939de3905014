import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The namespace the functions' EMF metrics go to (handlers/shared/observability.ts). */
export const metricsNamespace = 'S3SizeTracker';

export interface OpsMonitoringProps {
  readonly topic: ITopic;
  readonly tracker: IFunction;
  readonly reconciler: IFunction;
  readonly publisher: IFunction;
  readonly plotFunction: IFunction;
  readonly plotApi: RestApi;
  /** Alarm when the plot API's p95 latency stays above this. */
  readonly apiP95Ms: number;
}

const fiveMinutes = Duration.minutes(5);

/** An EMF metric of one function (Powertools adds the `service` dimension). */
function emf(service: string, name: string, statistic = 'Sum'): Metric {
  return new Metric({
    namespace: metricsNamespace,
    metricName: name,
    dimensionsMap: { service },
    statistic,
    period: fiveMinutes,
  });
}

/**
 * Ops alarms (to the alerts topic) and a CloudWatch dashboard of the system's health. On AWS only:
 * the embedded cloud and LocalStack accept them and evaluate nothing.
 */
export class OpsMonitoring extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OpsMonitoringProps) {
    super(scope, id);
    const action = new SnsAction(props.topic);
    const alarm = (alarmId: string, description: string, metric: IMetric, threshold: number, periods = 1) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        // no data (no traffic) is healthy
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    alarm(
      'TrackerErrors',
      'The size-tracking function failed (each failure is retried; see its log)',
      props.tracker.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    // No on-failure destination (no SQS in this app): an S3 event that failed all of Lambda's
    // retries is counted by Lambda as dropped. Reconciliation repairs the totals; this says it happened.
    alarm(
      'TrackerEventsDropped',
      'S3 events failed after all async retries and were dropped: run reconciliation',
      props.tracker.metric('AsyncEventsDropped', { period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    alarm(
      'PlotApi5xx',
      'The plot API answered with server errors',
      props.plotApi.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    alarm(
      'PlotApiP95Latency',
      `The plot API's p95 latency stayed above ${props.apiP95Ms} ms for 15 minutes`,
      props.plotApi.metricLatency({ period: fiveMinutes, statistic: 'p95' }),
      props.apiP95Ms,
      3,
    );
    alarm(
      'ReconciliationDrift',
      'Reconciliation found and corrected drift (events were missed or objects predate tracking)',
      new MathExpression({
        expression: 'ABS(drift) + ABS(storedDrift) + corrected',
        usingMetrics: {
          drift: emf('reconcile', 'DriftBytes', 'Maximum'),
          storedDrift: emf('reconcile', 'DriftStoredBytes', 'Maximum'),
          corrected: emf('reconcile', 'EntriesCorrected'),
        },
        period: fiveMinutes,
      }),
      1,
    );
    alarm(
      'AlertPublisherErrors',
      'Size alerts could not be published (they stay pending in the outbox and are retried)',
      new MathExpression({
        expression: 'errors + publishErrors',
        usingMetrics: {
          errors: props.publisher.metricErrors({ period: fiveMinutes, statistic: 'Sum' }),
          publishErrors: emf('alerts-publisher', 'AlertPublishErrors'),
        },
        period: fiveMinutes,
      }),
      1,
    );

    const sizes = (metric: string, label: string) =>
      new MathExpression({
        expression: `SEARCH('{${metricsNamespace},Bucket,service} MetricName="${metric}"', 'Maximum', 60)`,
        label,
        usingMetrics: {},
        period: Duration.minutes(1),
      });
    const perSecond = (service: string, name: string, label: string) =>
      new MathExpression({
        expression: 'm / PERIOD(m)',
        usingMetrics: { m: new Metric({ ...emf(service, name), period: Duration.minutes(1) }) },
        label,
        period: Duration.minutes(1),
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new GraphWidget({
            title: 'Tracked buckets: current size (bytes)',
            left: [sizes('CurrentBytes', '')],
            width: 12,
          }),
          new GraphWidget({
            title: 'Tracked buckets: stored size (bytes)',
            left: [sizes('StoredBytes', '')],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Events applied per second',
            left: [perSecond('size-tracking', 'EventsApplied', 'events/s')],
            width: 8,
          }),
          new GraphWidget({
            title: 'Verified and skipped events',
            left: [
              emf('size-tracking', 'EventsVerified'),
              emf('size-tracking', 'DuplicatesSkipped'),
              emf('size-tracking', 'StaleEventsSkipped'),
              emf('size-tracking', 'RecordsIgnored'),
            ],
            width: 8,
          }),
          new GraphWidget({
            title: 'Errors',
            left: [
              props.tracker.metricErrors({ label: 'tracker' }),
              props.tracker.metric('AsyncEventsDropped', {
                label: 'tracker events dropped',
                statistic: 'Sum',
              }),
              props.reconciler.metricErrors({ label: 'reconciler' }),
              props.plotFunction.metricErrors({ label: 'plot' }),
              props.publisher.metricErrors({ label: 'alerts publisher' }),
            ],
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Plot API latency (ms)',
            left: ['p50', 'p95', 'p99'].map((statistic) =>
              props.plotApi.metricLatency({ statistic, label: statistic }),
            ),
            width: 12,
          }),
          new GraphWidget({
            title: 'Plot API errors and alerts',
            left: [
              props.plotApi.metricClientError({ label: '4xx' }),
              props.plotApi.metricServerError({ label: '5xx' }),
              emf('size-tracking', 'AlertsFired'),
              emf('alerts-publisher', 'AlertsPublished'),
            ],
            width: 12,
          }),
        ],
        [new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
