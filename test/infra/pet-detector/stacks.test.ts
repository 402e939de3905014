import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { DETECTIONS, PET_ENV } from '../../../handlers/pet-detector/schema.ts';
import type { PetDetectorStacks } from '../../../infra/pet-detector/app-builder.ts';
import { templatesOf } from '../../support/cdk.ts';
import { buildPetTestApp } from './pet-app-fixture.ts';

let stacks: PetDetectorStacks;
let templates: Record<keyof PetDetectorStacks, Template>;

beforeAll(() => {
  stacks = buildPetTestApp().stacks;
  templates = templatesOf(stacks);
});

const template = (name: keyof PetDetectorStacks): Template => templates[name];

/** A template's JSON as text with tokens resolved the way the assertions library shows them. */
const json = (name: keyof PetDetectorStacks) => JSON.stringify(template(name).toJSON());

function definitionOf(
  t: Template,
): Record<string, { Type: string; Retry?: unknown[]; Catch?: unknown[] } & Record<string, unknown>> {
  const machine = Object.values(t.findResources('AWS::StepFunctions::StateMachine'))[0];
  const body = machine?.Properties.DefinitionString as { 'Fn::Join': [string, unknown[]] };
  // function ARNs are tokens inside the definition: replace them by a marker to parse the rest
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'ARN')).join('');
  return JSON.parse(text).States;
}

describe('PetDetector stacks', () => {
  it('are PetDetector-<stage>-Storage/Workflow/Api, with no custom resources and no cycles', () => {
    expect(Object.values(stacks).map((s) => s.stackName)).toEqual([
      'PetDetector-dev-Storage',
      'PetDetector-dev-Workflow',
      'PetDetector-dev-Api',
    ]);
    for (const [name, t] of Object.entries(templates)) {
      const types = Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map(
        (r) => r.Type,
      );
      expect(
        types.filter((type) => type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource'),
        name,
      ).toEqual([]);
    }
    expect(stacks.storage.dependencies).toEqual([]);
    expect(stacks.api.dependencies.map((s) => s.stackName).sort()).toEqual([
      'PetDetector-dev-Storage',
      'PetDetector-dev-Workflow',
    ]);
  });

  it('names every named resource <namePrefix><stage>-..., serverlessapp- by default, from context otherwise', () => {
    const names = (all: Record<string, Template>) =>
      Object.values(all).flatMap((t) =>
        [
          ['AWS::Lambda::Function', 'FunctionName'],
          ['AWS::DynamoDB::Table', 'TableName'],
          ['AWS::SNS::Topic', 'TopicName'],
          ['AWS::StepFunctions::StateMachine', 'StateMachineName'],
          ['AWS::ApiGateway::RestApi', 'Name'],
        ].flatMap(([type, property]) =>
          Object.values(t.findResources(type as string)).map((r) => r.Properties[property as string]),
        ),
      );
    const defaults = names(templates);
    expect(defaults.length).toBeGreaterThanOrEqual(11);
    for (const name of defaults) expect(name).toMatch(/^serverlessapp-dev-/);
    expect(json('workflow')).toContain('serverlessapp-dev-images-');

    const other = buildPetTestApp({ stage: 'prod', namePrefix: 'acme-' }).stacks;
    const otherTemplates = Object.fromEntries(
      Object.entries(other).map(([k, s]) => [k, Template.fromStack(s)]),
    );
    for (const name of names(otherTemplates)) expect(name).toMatch(/^acme-prod-/);
    expect(other.storage.stackName).toBe('PetDetector-prod-Storage');
    // prod keeps data when the stack is destroyed
    Template.fromStack(other.storage).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    expect(() => buildPetTestApp({ namePrefix: 'Bad_Prefix' })).toThrow(/namePrefix/);
  });

  it('grants no wildcard actions, and Resource "*" only for DetectLabels and the state machine logs/traces', () => {
    for (const [name, t] of Object.entries(templates)) {
      const policies = t.findResources('AWS::IAM::Policy');
      for (const [id, policy] of Object.entries(policies)) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          for (const action of [statement.Action].flat())
            expect(action, `${name} ${id}`).not.toMatch(/^[a-z0-9]+:\*$|^\*$/);
          if ([statement.Resource].flat().includes('*')) {
            expect(`${name}/${id}`).toMatch(/ImageProcessor|ImageWorkflowRole/);
            if (id.startsWith('ImageProcessor')) expect(statement.Action).toBe('rekognition:DetectLabels');
          }
        }
      }
    }
  });
});

describe('Storage: DetectionLogs and label counts', () => {
  it('has the seed key, SSE, PITR, TTL, a stream and the ByLabel index (label + time)', () => {
    template('storage').hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'serverlessapp-dev-DetectionLogs',
      KeySchema: [{ AttributeName: DETECTIONS.partitionKey, KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: DETECTIONS.ttlAttribute, Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      GlobalSecondaryIndexes: [
        {
          IndexName: DETECTIONS.byLabelIndex,
          KeySchema: [
            { AttributeName: DETECTIONS.labelKey, KeyType: 'HASH' },
            { AttributeName: DETECTIONS.timeKey, KeyType: 'RANGE' },
          ],
        },
      ],
    });
  });

  it('feeds the stream to the label counter', () => {
    template('storage').hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: Match.anyValue(),
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DetectionLogs'), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
    });
    template('storage').hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'serverlessapp-dev-label-counter',
      Environment: { Variables: Match.objectLike({ [PET_ENV.countsTable]: Match.anyValue() }) },
    });
  });
});

describe('Workflow: bucket, S3 event, state machine, alarms', () => {
  it('keeps images in a hardened, versioned bucket with lifecycle rules on input/ and others/', () => {
    template('workflow').hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: Match.anyValue(),
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'input/', ExpirationInDays: 7, Status: 'Enabled' }),
          Match.objectLike({ Prefix: 'others/', ExpirationInDays: 90, Status: 'Enabled' }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
    // TLS only
    template('workflow').hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('starts the workflow from a native notification on input/ only', () => {
    template('workflow').hasResourceProperties('AWS::S3::Bucket', {
      NotificationConfiguration: {
        LambdaConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'input/' }] } },
            Function: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StartWorkflowFunction'), 'Arn'] },
          },
        ],
      },
    });
    template('workflow').hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'serverlessapp-dev-start-workflow',
      Environment: { Variables: Match.objectLike({ [PET_ENV.stateMachineArn]: { Ref: Match.anyValue() } }) },
    });
  });

  it('is a Standard state machine: detect -> classify -> record -> move -> alert if uncertain', () => {
    template('workflow').hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      StateMachineName: 'serverlessapp-dev-image-workflow',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
    const states = definitionOf(template('workflow'));
    expect(states.DetectLabels?.Next).toBe('Classify');
    expect(states.Classify?.Next).toBe('WriteRecord');
    expect(states.WriteRecord?.Next).toBe('MoveImage');
    expect(states.MoveImage?.Next).toBe('Uncertain?');
    expect(states['Uncertain?']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.classification.uncertain', BooleanEquals: true, Next: 'AlertUncertain' }],
      Default: 'Filed',
    });
    expect(states.RecordFailure).toMatchObject({ Type: 'Task', Next: 'ProcessingFailed' });
    expect(states.ProcessingFailed?.Type).toBe('Fail');
  });

  it('retries service errors with backoff and catches everything into a failed record', () => {
    const states = definitionOf(template('workflow'));
    for (const name of ['DetectLabels', 'Classify', 'WriteRecord', 'MoveImage', 'AlertUncertain']) {
      const state = states[name];
      expect(state?.Retry, name).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ErrorEquals: ['ServiceUnavailable'], BackoffRate: 2, MaxAttempts: 3 }),
          expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }),
        ]),
      );
      expect(state?.Catch, name).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' },
      ]);
    }
  });

  it('points the image processor at another Rekognition only when asked (-c rekognitionEndpoint, local targets)', () => {
    const env = (t: Template) =>
      Object.values(t.findResources('AWS::Lambda::Function')).find(
        (f) => f.Properties.FunctionName === 'serverlessapp-dev-image-processor',
      )?.Properties.Environment.Variables as Record<string, unknown>;
    expect(env(template('workflow'))).not.toHaveProperty('AWS_ENDPOINT_URL_REKOGNITION');
    const pointed = buildPetTestApp({ rekognitionEndpoint: 'http://host.docker.internal:4599' }).stacks;
    expect(env(Template.fromStack(pointed.workflow)).AWS_ENDPOINT_URL_REKOGNITION).toBe(
      'http://host.docker.internal:4599',
    );
    expect(() => buildPetTestApp({ rekognitionEndpoint: 'not a url' })).toThrow(/rekognitionEndpoint/);
  });

  it('has an operations dashboard (executions, images filed by folder, DetectLabels time)', () => {
    const dashboards = template('workflow').findResources('AWS::CloudWatch::Dashboard');
    expect(Object.values(dashboards).map((d) => d.Properties.DashboardName)).toEqual([
      'serverlessapp-dev-operations',
    ]);
    const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
    for (const metric of ['ExecutionsFailed', 'Classified_cat', 'Uncertain', 'DetectLabelsMs'])
      expect(body).toContain(metric);
  });

  it('alarms on failed and timed-out executions, to the alerts topic', () => {
    for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
      template('workflow').hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Threshold: 1,
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^UncertainAlerts') }],
      });
    }
  });
});

describe('Api: keys, throttling, models, CORS', () => {
  it('needs an API key on every method but the CORS preflight', () => {
    const methods = template('api').findResources('AWS::ApiGateway::Method');
    const byVerb = Object.values(methods).map((m) => [m.Properties.HttpMethod, m.Properties.ApiKeyRequired]);
    expect(byVerb.filter(([verb]) => verb !== 'OPTIONS').every(([, key]) => key === true)).toBe(true);
    expect(byVerb.filter(([verb]) => verb === 'OPTIONS').length).toBeGreaterThanOrEqual(3);
  });

  it('validates POST /uploads against a JSON-schema model', () => {
    template('api').hasResourceProperties('AWS::ApiGateway::Model', {
      ContentType: 'application/json',
      Schema: Match.objectLike({
        required: ['contentType', 'sizeBytes'],
        additionalProperties: false,
        properties: {
          contentType: { type: 'string', enum: ['image/jpeg', 'image/png'] },
          sizeBytes: { type: 'integer', minimum: 1, maximum: 5 * 1024 * 1024 },
        },
      }),
    });
    template('api').hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'POST',
      RequestModels: { 'application/json': Match.anyValue() },
      RequestValidatorId: Match.anyValue(),
    });
  });

  it('throttles per key (usage plan) and per stage', () => {
    template('api').hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 50_000, Period: 'DAY' },
    });
    template('api').hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ]),
    });
  });

  it('signs URLs for the images bucket by name: PutObject only under input/', () => {
    const text = json('api');
    expect(text).toContain('serverlessapp-dev-images-');
    template('api').hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/input/\\*$')])] },
          }),
        ]),
      },
    });
  });
});
