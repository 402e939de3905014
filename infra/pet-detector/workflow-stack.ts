import {
  CfnOutput,
  type CfnResource,
  Duration,
  type RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnPermission } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Bucket, type CfnBucket, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  JsonPath,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { FOLDERS, PET_ENV, PET_METRICS_NAMESPACE } from '../../handlers/pet-detector/schema.ts';
import { bindTable } from '../constructs/grants.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { HardenedBucket } from '../constructs/hardened-bucket.ts';
import { acknowledge, lambdaBasicExecution, objectWildcard } from '../nag.ts';
import { imagesBucketName, type PetDetectorSettings, physicalName } from './settings.ts';

export interface PetWorkflowStackProps extends StackProps {
  readonly settings: PetDetectorSettings;
  readonly removalPolicy: RemovalPolicy;
  readonly detectionTable: ITable;
}

function roleOf(fn: HandlerFunction): IRole {
  if (!fn.role) throw new Error(`${fn.node.path} has no role`);
  return fn.role;
}

/** Service errors worth another try (step-errors.ts names them ServiceUnavailable). */
const SERVICE_ERRORS = ['ServiceUnavailable'];

/**
 * The images bucket, its S3 event on input/ that starts the workflow, the Standard workflow (detect
 * labels → classify → write record → move → alert if uncertain; Retry with backoff, Catch → a failed
 * record), its functions, the alerts topic and the alarm on failed executions.
 */
export class PetWorkflowStack extends Stack {
  readonly imagesBucket: Bucket;
  readonly stateMachine: StateMachine;
  readonly alertTopic: Topic;
  readonly functions: Record<
    'starter' | 'imageProcessor' | 'recordWriter' | 'fileManager' | 'notifier',
    HandlerFunction
  >;

  constructor(scope: Construct, id: string, props: PetWorkflowStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const name = (what: string) => physicalName(settings, what);

    this.imagesBucket = new HardenedBucket(this, 'ImagesBucket', {
      bucketName: imagesBucketName(settings),
      removalPolicy: props.removalPolicy,
      versioned: true,
      // the browser PUTs to and GETs from the presigned URLs directly
      cors: [
        {
          allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
          allowedOrigins: ['*'],
          allowedHeaders: ['content-type'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        {
          id: 'ExpireUnprocessedUploads',
          prefix: FOLDERS.input,
          expiration: Duration.days(settings.inputDays),
        },
        { id: 'ExpireOthers', prefix: FOLDERS.other, expiration: Duration.days(settings.othersDays) },
        {
          id: 'ExpireOldVersions',
          noncurrentVersionExpiration: Duration.days(settings.noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        { id: 'RemoveBareDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
    });

    this.alertTopic = new Topic(this, 'UncertainAlerts', {
      topicName: name('uncertain-alerts'),
      displayName: 'Pet detector: uncertain classifications and failed executions',
      enforceSSL: true,
    });
    if (settings.alertEmail) this.alertTopic.addSubscription(new EmailSubscription(settings.alertEmail));

    const fn = (logicalId: string, what: string, source: string, description: string, extra = {}) =>
      new HandlerFunction(this, logicalId, {
        functionName: name(what),
        source: `pet-detector/${source}`,
        description,
        ...extra,
      });
    const imageProcessor = fn(
      'ImageProcessorFunction',
      'image-processor',
      'image-processor.ts',
      'Detects labels (Rekognition DetectLabels) and classifies the image cat / dog / other',
      {
        memorySize: 512,
        environment: {
          [PET_ENV.maxUploadBytes]: String(settings.maxUploadBytes),
          ...(settings.classifierThresholds ? { [PET_ENV.thresholds]: settings.classifierThresholds } : {}),
          ...(settings.rekognitionEndpoint
            ? { AWS_ENDPOINT_URL_REKOGNITION: settings.rekognitionEndpoint }
            : {}),
        },
      },
    );
    imageProcessor.addToRolePolicy(
      new PolicyStatement({ actions: ['rekognition:DetectLabels'], resources: ['*'] }),
    );
    const recordWriter = fn(
      'RecordWriterFunction',
      'record-writer',
      'record-writer.ts',
      "Writes an image's DetectionLogs record (completed or failed)",
      { environment: { [PET_ENV.recordDays]: String(settings.recordDays) } },
    );
    bindTable(recordWriter, props.detectionTable, PET_ENV.detectionTable, ['dynamodb:PutItem']);
    const fileManager = fn(
      'FileManagerFunction',
      'file-manager',
      'file-manager.ts',
      'Moves a classified image from input/ to cats/, dogs/ or others/ (copy + delete)',
    );
    const notifier = fn(
      'NotificationServiceFunction',
      'notification-service',
      'notification-service.ts',
      'Publishes an alert for an uncertain classification',
      { environment: { [PET_ENV.alertTopicArn]: this.alertTopic.topicArn } },
    );
    this.alertTopic.grantPublish(notifier);

    // Object access in policies of their own: a function must not depend on the bucket, or
    // CloudFormation sees bucket -> permission -> starter -> state machine -> function -> bucket.
    const objects = (pattern: string) => this.imagesBucket.arnForObjects(pattern);
    const readInput = new Policy(this, 'ImageProcessorReadsInput', {
      roles: [roleOf(imageProcessor)],
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [objects('input/*')],
        }),
      ],
    });
    const moveObjects = new Policy(this, 'FileManagerMovesImages', {
      roles: [roleOf(fileManager)],
      statements: [
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject'],
          resources: [objects('input/*')],
        }),
        new PolicyStatement({
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [objects('cats/*'), objects('dogs/*'), objects('others/*')],
        }),
      ],
    });

    this.stateMachine = this.workflow(name('image-workflow'), props.removalPolicy, {
      imageProcessor,
      recordWriter,
      fileManager,
      notifier,
    });

    const starter = fn(
      'StartWorkflowFunction',
      'start-workflow',
      'start-workflow.ts',
      'Starts the image workflow for an upload to input/ (one execution per object version)',
      { environment: { [PET_ENV.stateMachineArn]: this.stateMachine.stateMachineArn } },
    );
    this.stateMachine.grantStartExecution(starter);
    // Native notifications (no Custom::S3BucketNotifications, which the free LocalStack skips);
    // SourceAccount, not SourceArn: naming the bucket here would close a cycle.
    const invokePermission = new CfnPermission(this, 'S3InvokesStartWorkflow', {
      action: 'lambda:InvokeFunction',
      functionName: starter.functionArn,
      principal: 's3.amazonaws.com',
      sourceAccount: this.account,
    });
    const cfnBucket = this.imagesBucket.node.defaultChild as CfnBucket;
    cfnBucket.notificationConfiguration = {
      lambdaConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          function: starter.functionArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: FOLDERS.input }] } },
        },
      ],
    };
    cfnBucket.node.addDependency(invokePermission);
    this.functions = { starter, imageProcessor, recordWriter, fileManager, notifier };

    const alarmAction = new SnsAction(this.alertTopic);
    for (const [alarmId, description, metric] of [
      [
        'FailedExecutions',
        'Image workflow executions failed (each left a failed DetectionLogs record)',
        this.stateMachine.metricFailed(),
      ],
      ['TimedOutExecutions', 'Image workflow executions timed out', this.stateMachine.metricTimedOut()],
      [
        'StarterErrors',
        'S3 events could not start the workflow (see the start-workflow log)',
        starter.metricErrors(),
      ],
    ] as const) {
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric: metric.with({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }

    this.addDashboard(name('operations'), imageProcessor);

    new CfnOutput(this, 'ImagesBucketName', { value: this.imagesBucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'StartWorkflowFunctionName', { value: starter.functionName });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alertTopic.topicArn });

    acknowledge(this, lambdaBasicExecution);
    acknowledge(imageProcessor, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'rekognition:DetectLabels has no resource-level permissions: AWS only accepts "*" for it.',
    });
    acknowledge(
      readInput,
      objectWildcard(this.imagesBucket, 'input/*', 'the workflow reads any upload under input/'),
    );
    acknowledge(
      moveObjects,
      ...['input/*', 'cats/*', 'dogs/*', 'others/*'].map((pattern) =>
        objectWildcard(this.imagesBucket, pattern, 'images move from input/ into one of the three folders'),
      ),
    );
    acknowledge(this.imagesBucket, {
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs need a second bucket per stage; every image has a DetectionLogs record and the workflow logs each step.',
    });
    acknowledge(this.alertTopic, {
      id: 'AwsSolutions-SNS2',
      reason:
        'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed SNS key; alerts carry image ids and labels, not the images.',
    });
  }

  /** Image classification at a glance: executions, labels filed, uncertain results, inference time. */
  private addDashboard(dashboardName: string, imageProcessor: HandlerFunction): void {
    const emf = (metricName: string, statistic = 'Sum') =>
      new Metric({
        namespace: PET_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: 'image-processor' },
        statistic,
        period: Duration.minutes(5),
      });
    new Dashboard(this, 'Operations', {
      dashboardName,
      defaultInterval: Duration.hours(24),
      widgets: [
        [
          new GraphWidget({
            title: 'Workflow executions',
            left: [
              this.stateMachine.metricStarted({ label: 'started' }),
              this.stateMachine.metricSucceeded({ label: 'succeeded' }),
              this.stateMachine.metricFailed({ label: 'failed' }),
            ],
            width: 12,
          }),
          new GraphWidget({
            title: 'Images filed, by folder',
            left: [emf('Classified_cat'), emf('Classified_dog'), emf('Classified_other'), emf('Uncertain')],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'DetectLabels time (ms)',
            left: [emf('DetectLabelsMs', 'p50'), emf('DetectLabelsMs', 'p95')],
            width: 12,
          }),
          new GraphWidget({
            title: 'Image processor errors and duration',
            left: [imageProcessor.metricErrors({ label: 'errors' })],
            right: [imageProcessor.metricDuration({ statistic: 'p95', label: 'p95 duration' })],
            width: 12,
          }),
        ],
      ],
    });
  }

  private workflow(
    stateMachineName: string,
    removalPolicy: RemovalPolicy,
    f: {
      imageProcessor: HandlerFunction;
      recordWriter: HandlerFunction;
      fileManager: HandlerFunction;
      notifier: HandlerFunction;
    },
  ): StateMachine {
    const image = JsonPath.objectAt('$.image');
    const task = (
      id: string,
      lambdaFunction: HandlerFunction,
      payload: Record<string, unknown>,
      resultPath: string,
    ) => {
      const invoke = new LambdaInvoke(this, id, {
        lambdaFunction,
        payloadResponseOnly: true,
        payload: TaskInput.fromObject(payload),
        resultPath,
      });
      invoke.addRetry({
        errors: SERVICE_ERRORS,
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 3,
      });
      return invoke;
    };
    const detect = task('DetectLabels', f.imageProcessor, { action: 'detect', image }, '$.detection');
    const classify = task(
      'Classify',
      f.imageProcessor,
      { action: 'classify', image, detection: JsonPath.objectAt('$.detection') },
      '$.classification',
    );
    const record = task(
      'WriteRecord',
      f.recordWriter,
      {
        status: 'completed',
        image,
        detection: JsonPath.objectAt('$.detection'),
        classification: JsonPath.objectAt('$.classification'),
      },
      JsonPath.DISCARD,
    );
    const move = task(
      'MoveImage',
      f.fileManager,
      { image, classification: JsonPath.objectAt('$.classification') },
      '$.moved',
    );
    const alert = task(
      'AlertUncertain',
      f.notifier,
      { image, classification: JsonPath.objectAt('$.classification') },
      JsonPath.DISCARD,
    );
    const filed = new Succeed(this, 'Filed');
    const recordFailure = task(
      'RecordFailure',
      f.recordWriter,
      { status: 'failed', image, error: JsonPath.objectAt('$.error') },
      JsonPath.DISCARD,
    ).next(
      new Fail(this, 'ProcessingFailed', {
        error: 'ImageProcessingFailed',
        cause: 'see the DetectionLogs record',
      }),
    );
    for (const step of [detect, classify, record, move, alert])
      step.addCatch(recordFailure, { resultPath: '$.error' });

    const definition = detect
      .next(classify)
      .next(record)
      .next(move)
      .next(
        new Choice(this, 'Uncertain?')
          .when(Condition.booleanEquals('$.classification.uncertain', true), alert.next(filed))
          .otherwise(filed),
      );
    const logs = new LogGroup(this, 'WorkflowLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy });
    const machine = new StateMachine(this, 'ImageWorkflow', {
      stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(15),
      tracingEnabled: true,
      logs: { destination: logs, level: LogLevel.ALL, includeExecutionData: false },
    });
    const arnOf = (fn: HandlerFunction) =>
      this.resolve((fn.node.defaultChild as CfnResource).logicalId) as string;
    acknowledge(
      machine,
      ...Object.values(f).map((fn) => ({
        id: `AwsSolutions-IAM5[Resource::<${arnOf(fn)}.Arn>:*]`,
        reason:
          'CDK grants the state machine lambda:InvokeFunction on every version of each workflow function it names ("<function arn>:*"), no other function.',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions log delivery (logs:*LogDelivery*) and X-Ray tracing have no resource-level permissions: AWS only accepts "*" for them.',
      },
    );
    return machine;
  }
}
