import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { type IManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ENV } from '../../handlers/shared/schema.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { acknowledge, lambdaBasicExecution } from '../nag.ts';

export interface DriverStackProps extends StackProps {
  readonly trackedBucket: IBucket;
  /** Put and delete on the tracked bucket's objects (owned by the size-tracking stack). */
  readonly bucketWriterPolicy: IManagedPolicy;
  readonly plotUrl: string;
  /** The plot API's key id: the driver reads the key's value with apigateway:GetApiKey. None: open API. */
  readonly plotApiKeyId?: string;
  /** Default pause between scenario steps, in milliseconds. */
  readonly pauseMs: number;
}

/** The driver: plays a scenario against the tracked bucket, then asks the plot API for a chart. */
export class DriverStack extends Stack {
  readonly driverFunction: HandlerFunction;

  constructor(scope: Construct, id: string, props: DriverStackProps) {
    super(scope, id, props);
    this.driverFunction = new HandlerFunction(this, 'DriverFunction', {
      source: 'driver.ts',
      description: 'Plays the demo scenario against the tracked bucket and fetches the chart',
      timeout: Duration.minutes(5),
      environment: {
        [ENV.trackedBucket]: props.trackedBucket.bucketName,
        [ENV.plotApiUrl]: props.plotUrl,
        [ENV.driverPauseMs]: String(props.pauseMs),
        ...(props.plotApiKeyId ? { [ENV.plotApiKeyId]: props.plotApiKeyId } : {}),
      },
    });
    if (props.plotApiKeyId) {
      // GetApiKey with its value, on this one key only
      this.driverFunction.addToRolePolicy(
        new PolicyStatement({
          actions: ['apigateway:GET'],
          resources: [`arn:${this.partition}:apigateway:${this.region}::/apikeys/${props.plotApiKeyId}`],
        }),
      );
    }
    this.driverFunction.role?.addManagedPolicy(props.bucketWriterPolicy);

    new CfnOutput(this, 'DriverFunctionName', { value: this.driverFunction.functionName });
    acknowledge(this, lambdaBasicExecution);
  }
}
