import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration } from 'aws-cdk-lib/aws-apigateway';
import { beforeAll, describe, expect, it } from 'vitest';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';
import type { SizeTrackerStacks } from '../../infra/app-builder.ts';
import { templatesOf } from '../support/cdk.ts';
import { buildTestApp } from './app-fixture.ts';

let stacks: SizeTrackerStacks;
let templates: Record<keyof SizeTrackerStacks, Template>;

beforeAll(() => {
  stacks = buildTestApp().stacks;
  templates = templatesOf(stacks);
});

const template = (name: keyof SizeTrackerStacks): Template => templates[name];

/** Every IAM statement of a template, for scoping checks. */
function statements(t: Template): { Action: string | string[]; Resource: unknown }[] {
  const policies = { ...t.findResources('AWS::IAM::Policy'), ...t.findResources('AWS::IAM::ManagedPolicy') };
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('all stacks', () => {
  it('uses no custom resources, no hard-coded physical names and no cycles', () => {
    for (const [name, t] of Object.entries(templates)) {
      const types = Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map(
        (r) => r.Type,
      );
      expect(
        types.filter((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource'),
        name,
      ).toEqual([]);
      for (const type of ['AWS::S3::Bucket', 'AWS::DynamoDB::Table', 'AWS::Lambda::Function']) {
        for (const resource of Object.values(t.findResources(type))) {
          expect(
            resource.Properties?.BucketName ??
              resource.Properties?.TableName ??
              resource.Properties?.FunctionName,
          ).toBeUndefined();
        }
      }
    }
    expect(stacks.sizeTracking.dependencies.map((s) => s.stackName)).toEqual([stacks.storage.stackName]);
    expect(stacks.storage.dependencies).toEqual([]);
  });

  it('grants no wildcard actions and no Resource "*"', () => {
    for (const t of Object.values(templates)) {
      for (const statement of statements(t)) {
        for (const action of [statement.Action].flat()) expect(action).not.toMatch(/\*/);
        expect([statement.Resource].flat()).not.toContain('*');
      }
    }
  });

  it('runs every function on Node 24 with an ESM bundle', () => {
    for (const t of Object.values(templates)) {
      for (const fn of Object.values(t.findResources('AWS::Lambda::Function'))) {
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Handler: 'index.handler' });
      }
    }
  });
});

describe('storage stack', () => {
  it('keys the history by bucket and time, with a largest-size index', () => {
    template('storage').hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: HISTORY.partitionKey, KeyType: 'HASH' },
        { AttributeName: HISTORY.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: HISTORY.largestSizeIndex,
          KeySchema: [
            { AttributeName: HISTORY.partitionKey, KeyType: 'HASH' },
            { AttributeName: HISTORY.sizeAttribute, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
    });
  });

  it('keeps a ledger keyed by bucket and entry, and outputs the table names', () => {
    template('storage').hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: LEDGER.partitionKey, KeyType: 'HASH' },
        { AttributeName: LEDGER.sortKey, KeyType: 'RANGE' },
      ],
    });
    template('storage').resourceCountIs('AWS::DynamoDB::Table', 3);
    template('storage').hasOutput('TableName', {});
    template('storage').hasOutput('LedgerTableName', {});
  });
});

describe('size-tracking stack', () => {
  it('hardens the tracked bucket: encryption, public access blocked, TLS only', () => {
    const t = template('sizeTracking');
    t.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('subscribes the tracker natively to created, removed and lifecycle-expiration events', () => {
    const t = template('sizeTracking');
    const tracker = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SizeTrackingFunction'), 'Arn'] };
    t.hasResource('AWS::S3::Bucket', {
      Properties: {
        NotificationConfiguration: {
          LambdaConfigurations: [
            { Event: 's3:ObjectCreated:*', Function: tracker },
            { Event: 's3:ObjectRemoved:*', Function: tracker },
            { Event: 's3:LifecycleExpiration:*', Function: tracker },
          ],
        },
      },
      DependsOn: [Match.stringLikeRegexp('^S3InvokeSizeTracking')],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 's3.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      FunctionName: tracker,
    });
  });

  it('gives the tracker only ledger/history writes and reads of its bucket, the reconciler listings', () => {
    const t = template('sizeTracking');
    const bucketArn = { 'Fn::GetAtt': [Match.stringLikeRegexp('^TrackedBucket'), 'Arn'] };
    // the tracker: object reads (the content-type lookup) and listings of one key when an event
    // alone cannot decide (ListObjectVersions, ListObjectsV2 where versions are refused)
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [bucketArn, '/*']] },
          },
          { Action: ['s3:ListBucket', 's3:ListBucketVersions'], Effect: 'Allow', Resource: bucketArn },
        ],
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:ListBucket', 's3:ListBucketVersions'], Resource: bucketArn }),
        ]),
      },
    });
    const dynamo = statements(t).filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) {
      for (const resource of [s.Resource].flat()) expect(JSON.stringify(resource)).toMatch(/Fn::ImportValue/);
    }
  });

  it('versions the tracked bucket by default, expiring noncurrent versions after 30 days', () => {
    template('sizeTracking').hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'ExpireNoncurrentVersions',
            Status: 'Enabled',
            NoncurrentVersionExpiration: { NoncurrentDays: 30 },
            ExpiredObjectDeleteMarker: true,
          },
        ],
      },
    });
  });

  it('takes the noncurrent days from context, and -c versioned=false for an unversioned bucket', () => {
    const bucketOf = (context: Record<string, unknown>) => {
      const t = Template.fromStack(buildTestApp({ context }).stacks.sizeTracking);
      const buckets = Object.values(t.findResources('AWS::S3::Bucket'));
      expect(buckets).toHaveLength(1);
      return buckets[0]?.Properties as Record<string, unknown>;
    };
    expect(bucketOf({ noncurrentDays: '7' })).toMatchObject({
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: { Rules: [{ NoncurrentVersionExpiration: { NoncurrentDays: 7 } }] },
    });
    for (const versioned of ['false', false]) {
      const unversioned = bucketOf({ versioned });
      expect(unversioned.VersioningConfiguration).toBeUndefined();
      expect(unversioned.LifecycleConfiguration).toBeUndefined();
    }
    expect(bucketOf({ versioned: 'true' })).toMatchObject({ VersioningConfiguration: { Status: 'Enabled' } });
    expect(() => buildTestApp({ context: { versioned: 'yes' } })).toThrow('context value "versioned"');
    expect(() => buildTestApp({ context: { noncurrentDays: '0' } })).toThrow(
      'context value "noncurrentDays"',
    );
  });

  it('keeps cdk-nag green for an unversioned bucket too', () => {
    const { app } = buildTestApp({ context: { versioned: 'false' } });
    expect(() => app.synth()).not.toThrow();
  });

  it('reconciles on a schedule and outputs the bucket name', () => {
    const t = template('sizeTracking');
    t.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(6 hours)',
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcileFunction'), 'Arn'] } }),
      ],
    });
    t.hasOutput('BucketName', {});
  });
});

describe('plotting stack', () => {
  it('serves GET /plot through a Lambda proxy with binary media types for PNG', () => {
    const t = template('plotting');
    t.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['image/png', '*/*'] });
    t.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'plot' });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      // not required at API Gateway: the function names a missing window in its own {"error"} shape
      RequestParameters: Match.objectLike({ 'method.request.querystring.window': false }),
    });
    t.hasOutput('PlotApiUrl', {});
    t.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('lets the plot function query only the history table and its size index, and write and read only charts/', () => {
    const t = template('plotting');
    const plot = statements(t);
    expect(plot.find((s) => s.Action === 'dynamodb:Query')?.Resource).toEqual([
      { 'Fn::ImportValue': expect.stringContaining('SizeHistory') },
      {
        'Fn::Join': [
          '',
          [
            { 'Fn::ImportValue': expect.stringContaining('SizeHistory') },
            `/index/${HISTORY.largestSizeIndex}`,
          ],
        ],
      },
    ]);
    const charts = plot.find(
      (s) =>
        Array.isArray(s.Action) && s.Action.includes('s3:PutObject') && s.Action.includes('s3:GetObject'),
    );
    expect(charts?.Action).toHaveLength(2);
    expect(charts?.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ChartBucket/), 'Arn'] }, '/charts/*']],
    });
  });

  it('requires an API key on every data method (the page files alone are open), tied to a usage plan with a throttle and a daily quota', () => {
    const t = template('plotting');
    const pathOf = (resourceId: unknown): string => {
      const ref = (resourceId as { Ref?: string }).Ref;
      if (!ref) return '/'; // Fn::GetAtt RootResourceId
      return `/${t.findResources('AWS::ApiGateway::Resource')[ref]?.Properties.PathPart}`;
    };
    const methods = Object.values(t.findResources('AWS::ApiGateway::Method')).map((m) => ({
      route: `${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId)}`,
      keyed: m.Properties.ApiKeyRequired === true,
    }));
    expect(
      methods
        .filter((m) => !m.keyed)
        .map((m) => m.route)
        .sort(),
    ).toEqual(['GET /', 'GET /app.css', 'GET /app.js']);
    expect(methods.filter((m) => m.keyed).map((m) => m.route)).toEqual(
      expect.arrayContaining(['GET /plot', 'GET /buckets']),
    );
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      ApiStages: [{ ApiId: { Ref: Match.stringLikeRegexp('^PlotApi') }, Stage: Match.anyValue() }],
      Throttle: { RateLimit: 250, BurstLimit: 500 },
      Quota: { Limit: 250_000, Period: 'DAY' },
    });
    const [keyId] = Object.keys(t.findResources('AWS::ApiGateway::ApiKey'));
    expect(Object.values(t.findResources('AWS::ApiGateway::ApiKey'))[0]?.Properties?.Value).toBeUndefined();
    t.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyId: { Ref: keyId }, KeyType: 'API_KEY' });
    t.hasOutput('PlotApiKeyId', { Value: { Ref: keyId } });
  });

  it('makes routes added later by other constructs require the key too, and takes limits from context', () => {
    const { stacks: other } = buildTestApp({
      context: { apiRateLimit: '5', apiBurstLimit: '10', apiQuotaPerDay: '1000' },
    });
    other.plotting.api.root.addResource('later').addMethod('GET', new MockIntegration());
    const t = Template.fromStack(other.plotting);
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      ApiKeyRequired: true,
      Integration: { Type: 'MOCK' },
    });
    t.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 5, BurstLimit: 10 },
      Quota: { Limit: 1000, Period: 'DAY' },
    });
  });

  it('opens the API only with -c openApi=true: no key, no plan, no key output', () => {
    const { stacks: open } = buildTestApp({ context: { openApi: 'true' } });
    const t = Template.fromStack(open.plotting);
    for (const method of Object.values(t.findResources('AWS::ApiGateway::Method')))
      expect(method.Properties.ApiKeyRequired ?? false).toBe(false);
    t.resourceCountIs('AWS::ApiGateway::UsagePlan', 0);
    t.resourceCountIs('AWS::ApiGateway::ApiKey', 0);
    expect(Object.keys(t.findOutputs('PlotApiKeyId'))).toEqual([]);
    expect(JSON.stringify(Template.fromStack(open.driver).toJSON())).not.toContain('PLOT_API_KEY_ID');
  });

  it('keeps charts in their own bucket, expiring after 30 days', () => {
    template('plotting').hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30, Status: 'Enabled' })] },
    });
  });
});

describe('driver stack', () => {
  it('gets the plot URL and the bucket, and writes through the bucket-writer policy', () => {
    const t = template('driver');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRACKED_BUCKET: { 'Fn::ImportValue': Match.anyValue() },
          PLOT_API_URL: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          DRIVER_PAUSE_MS: '2000',
          PLOT_API_KEY_ID: { 'Fn::ImportValue': Match.stringLikeRegexp('ApiKey') },
        }),
      },
    });
    // it reads the key's value with GetApiKey, on that key only
    const getKey = statements(t).find((s) => s.Action === 'apigateway:GET');
    expect(JSON.stringify(getKey?.Resource)).toMatch(/::\/apikeys\/.*ApiKey/);
    t.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.arrayWith([
        { 'Fn::ImportValue': Match.stringLikeRegexp('TrackedBucketWriter') },
      ]),
    });
  });
});
