import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALERTS } from '../../handlers/alerts/schema.ts';
import { defaultAlertBytes } from '../../infra/alerts-context.ts';
import type { SizeTrackerStacks } from '../../infra/app-builder.ts';
import { publisherBatchSize, publisherRetryAttempts } from '../../infra/stacks/alerts-stack.ts';
import { buildTestApp } from './app-fixture.ts';

let stacks: SizeTrackerStacks;
let alerts: Template;

beforeAll(() => {
  stacks = buildTestApp().stacks;
  alerts = Template.fromStack(stacks.alerts);
});

/** The IAM statements of a stack's policies. */
function statements(t: Template): { Action: string | string[]; Resource: unknown }[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
}

describe('alerts', () => {
  it('keeps thresholds and the outbox in a table whose stream carries new images', () => {
    Template.fromStack(stacks.storage).hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: ALERTS.partitionKey, KeyType: 'HASH' },
        { AttributeName: ALERTS.sortKey, KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('outputs the topic, TLS-only, with no email subscription unless asked', () => {
    alerts.hasOutput('AlertsTopicArn', {});
    alerts.resourceCountIs('AWS::SNS::Topic', 1);
    alerts.resourceCountIs('AWS::SNS::Subscription', 0);
    const { stacks: withEmail } = buildTestApp({ context: { alertEmail: 'ops@example.com' } });
    Template.fromStack(withEmail.alerts).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('maps the alerts stream to the publisher: TRIM_HORIZON, small batches, retries, bisect, item failures, failures to the topic', () => {
    alerts.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: publisherBatchSize,
      MaximumRetryAttempts: publisherRetryAttempts,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: { Ref: Match.stringLikeRegexp('AlertsTopic') } } },
    });
  });

  it('gives the publisher the stream, its table rows and Publish on the topic only', () => {
    const all = statements(alerts);
    const streamRead = all.find((s) => [s.Action].flat().includes('dynamodb:GetRecords'));
    expect([streamRead?.Action].flat().sort()).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ]);
    expect(JSON.stringify(streamRead?.Resource)).toMatch(/StreamArn/);
    const table = all.find((s) => [s.Action].flat().includes('dynamodb:UpdateItem'));
    expect([table?.Action].flat().sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    const publish = all.filter((s) => [s.Action].flat().includes('sns:Publish'));
    expect(publish.length).toBeGreaterThan(0);
    for (const s of publish) expect(JSON.stringify(s.Resource)).toMatch(/AlertsTopic/);
  });

  it('raises ops alarms to the topic: tracker errors, dropped events, API 5xx and p95, drift, publisher', () => {
    const alarms = Object.values(alerts.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(6);
    for (const alarm of alarms) {
      expect(JSON.stringify(alarm.Properties.AlarmActions)).toMatch(/AlertsTopic/);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
    }
    const text = JSON.stringify(alarms);
    for (const metric of [
      'Errors',
      'AsyncEventsDropped',
      '5XXError',
      'Latency',
      'DriftBytes',
      'EntriesCorrected',
    ])
      expect(text).toContain(metric);
    alerts.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Latency',
      ExtendedStatistic: 'p95',
      Threshold: 1000,
    });
  });

  it('draws a dashboard of bucket sizes, events/s, verified and skipped events, errors and API latency', () => {
    const dashboards = Object.values(alerts.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]?.Properties.DashboardBody);
    for (const part of [
      'CurrentBytes',
      'StoredBytes',
      'EventsApplied',
      'PERIOD(m)',
      'EventsVerified',
      'DuplicatesSkipped',
      'Latency',
      'p95',
    ])
      expect(body).toContain(part);
  });

  it('adds PUT and GET /alerts/{bucket} to the plot API and hands the defaults to every reader of thresholds', () => {
    const plotting = Template.fromStack(stacks.plotting);
    plotting.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: '{bucket}' });
    for (const method of ['GET', 'PUT'])
      plotting.hasResourceProperties('AWS::ApiGateway::Method', { HttpMethod: method });
    const defaults = JSON.stringify({
      currentBytes: { threshold: defaultAlertBytes, hysteresis: defaultAlertBytes / 10 },
    });
    plotting.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ALERT_DEFAULT_THRESHOLDS: defaults }) },
    });
    Template.fromStack(stacks.sizeTracking).resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      {
        Environment: {
          Variables: Match.objectLike({ ALERT_DEFAULT_THRESHOLDS: defaults, ALERTS_TABLE: Match.anyValue() }),
        },
      },
      2,
    );
  });

  it('reads thresholds from context and refuses bad values naming them', () => {
    const { stacks: custom } = buildTestApp({
      context: { alertBytes: '1000', alertObjects: '5', alertHysteresisPercent: '20' },
    });
    Template.fromStack(custom.plotting).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALERT_DEFAULT_THRESHOLDS: JSON.stringify({
            currentBytes: { threshold: 1000, hysteresis: 200 },
            objectCount: { threshold: 5, hysteresis: 1 },
          }),
        }),
      },
    });
    expect(() => buildTestApp({ context: { alertBytes: '-1' } })).toThrow(/alertBytes/);
    expect(() => buildTestApp({ context: { alertEmail: 'nobody' } })).toThrow(/alertEmail/);
  });
});
