import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  EndpointType,
  LambdaIntegration,
  MethodLoggingLevel,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ENV, HISTORY } from '../../handlers/shared/schema.ts';
import { AlertsApi, type AlertsApiProps } from '../constructs/alerts-api.ts';
import { ApiAccess, type ApiAccessProps, methodOptionsFor } from '../constructs/api-access.ts';
import { bindTable, grantObjects } from '../constructs/grants.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { HardenedBucket } from '../constructs/hardened-bucket.ts';
import { acknowledge, lambdaBasicExecution, objectWildcard } from '../nag.ts';
import { handlersDir, nodeModulesDir } from '../paths.ts';

export interface PlottingStackProps extends StackProps {
  readonly historyTable: ITable;
  readonly trackedBucket: IBucket;
  readonly removalPolicy: RemovalPolicy;
  readonly stageName: string;
  /** Who may call the API: an API key on every method by default (constructs/api-access.ts). */
  readonly apiAccess: ApiAccessProps;
  /** Adds PUT/GET /alerts/{bucket} to the API (infra/constructs/alerts-api.ts). */
  readonly alerts?: AlertsApiProps;
}

/** Binary media types: PNG for the chart, and any type so a browser's Accept header gets bytes too. */
export const plotBinaryMediaTypes = ['image/png', '*/*'];

/** The canvas package and its native binary for x86-64 Linux (Lambda), copied into the bundle. */
const canvasPackages = ['canvas', 'canvas-linux-x64-gnu'];
const fontFile = join(handlersDir, 'chart', 'fonts', 'DejaVuSans.ttf');
/** The dashboard page's files (HTML, JS, CSS), served by the plotting function from beside its bundle. */
const dashboardDir = join(handlersDir, 'dashboard', 'public');

/** The plotting function behind a REST API, and the bucket the charts are kept in. */
export class PlottingStack extends Stack {
  readonly api: RestApi;
  readonly plotUrl: string;
  readonly chartBucket: HardenedBucket;
  readonly plotFunction: HandlerFunction;
  /** The API key's id (not its value), when the API is not open. */
  readonly plotApiKeyId?: string;

  constructor(scope: Construct, id: string, props: PlottingStackProps) {
    super(scope, id, props);
    // A bucket of its own, so stored charts never count towards the tracked bucket's size.
    this.chartBucket = new HardenedBucket(this, 'ChartBucket', {
      removalPolicy: props.removalPolicy,
      lifecycleRules: [{ id: 'expire-old-charts', expiration: Duration.days(30) }],
    });

    for (const pkg of canvasPackages) {
      if (!existsSync(join(nodeModulesDir, pkg, 'package.json'))) {
        throw new Error(
          `node_modules/${pkg} is missing: run \`npm ci\` on an x86-64 Linux host before synthesizing`,
        );
      }
    }
    this.plotFunction = new HandlerFunction(this, 'PlotFunction', {
      source: 'plotting.ts',
      // its font and the dashboard's files are found beside the bundle through import.meta.url
      moduleFormat: 'esm',
      description: 'Draws the size history of a bucket as a PNG chart',
      memorySize: 1024,
      timeout: Duration.seconds(29),
      environment: {
        [ENV.trackedBucket]: props.trackedBucket.bucketName,
        [ENV.chartBucket]: this.chartBucket.bucketName,
      },
      bundling: {
        externalModules: ['canvas'],
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // canvas is native: ship the package and its Linux binary beside the bundle, plus the font.
          afterBundling: (_inputDir: string, outputDir: string) => [
            `mkdir -p "${outputDir}/node_modules/canvas" "${outputDir}/fonts"`,
            `cp -R "${nodeModulesDir}canvas/package.json" "${nodeModulesDir}canvas/index.js" "${nodeModulesDir}canvas/lib" "${outputDir}/node_modules/canvas/"`,
            `cp -R "${nodeModulesDir}canvas-linux-x64-gnu" "${outputDir}/node_modules/"`,
            `cp "${fontFile}" "${outputDir}/fonts/"`,
            `mkdir -p "${outputDir}/dashboard" && cp -R "${dashboardDir}" "${outputDir}/dashboard/"`,
          ],
        },
      },
    });
    bindTable(
      this.plotFunction,
      props.historyTable,
      ENV.historyTable,
      ['dynamodb:Query'],
      [HISTORY.largestSizeIndex],
    );
    // GetObject: a chart one environment drew is served by the others (the chart cache's shared tier)
    grantObjects(this.plotFunction, this.chartBucket, ['s3:PutObject', 's3:GetObject'], 'charts/*');

    this.api = new RestApi(this, 'PlotApi', {
      description: 'Bucket size charts',
      binaryMediaTypes: plotBinaryMediaTypes,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: false,
      // every method, including routes other constructs add later, needs a key unless opened
      defaultMethodOptions: methodOptionsFor(props.apiAccess),
      deployOptions: {
        stageName: props.stageName,
        loggingLevel: MethodLoggingLevel.OFF,
        tracingEnabled: false,
      },
    });
    const validator = new RequestValidator(this, 'PlotRequestValidator', {
      restApi: this.api,
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    this.api.root.addResource('plot').addMethod('GET', new LambdaIntegration(this.plotFunction), {
      requestValidator: validator,
      // Documented, not required: API Gateway's own refusal of a missing `window` is
      // {"message":"Missing required request parameters: [window]"}, not the {"error": ...} every
      // other bad request gets; the function checks every parameter and names it.
      requestParameters: {
        'method.request.querystring.window': false,
        'method.request.querystring.end': false,
        'method.request.querystring.bucket': false,
        'method.request.querystring.format': false,
        'method.request.querystring.series': false,
      },
    });
    this.plotUrl = this.api.urlForPath('/plot');
    const access = new ApiAccess(this, 'PlotApiAccess', this.api, props.apiAccess);
    if (access.apiKey) this.plotApiKeyId = access.apiKey.keyId;
    this.addDashboard();
    if (props.alerts) new AlertsApi(this, 'AlertsApi', this.api, props.alerts);

    new CfnOutput(this, 'PlotApiUrl', {
      value: this.plotUrl,
      description:
        'GET ?window=<seconds>[&bucket=<name>][&end=<time>][&format=json][&series=current|stored|both]',
    });
    new CfnOutput(this, 'ChartBucketName', { value: this.chartBucket.bucketName });
    new CfnOutput(this, 'PlotFunctionName', { value: this.plotFunction.functionName });

    acknowledge(this, lambdaBasicExecution);
    acknowledge(
      this.plotFunction,
      objectWildcard(
        this.chartBucket,
        'charts/*',
        'charts are written and read under charts/ of the chart bucket',
      ),
    );
    acknowledge(this.chartBucket, {
      id: 'AwsSolutions-S1',
      reason: 'Charts are derived, expiring artifacts; access logs for them would cost more than they tell.',
    });
    acknowledge(
      this.api,
      {
        id: 'AwsSolutions-APIG1',
        reason:
          'Access logs need the account-wide API Gateway CloudWatch role, which one app should not set for a whole account; the function logs every request.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason: 'A read-only chart endpoint; WAF is an account-level choice left to the deployer.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason: 'Stage logging needs the same account-wide CloudWatch role as APIG1.',
      },
    );
  }

  /**
   * The live dashboard on the same API and function: GET /buckets (JSON totals, key like /plot) and
   * the page's files, GET /, /app.js, /app.css. Those three are deliberately served without an API key:
   * they hold no data (the page asks for the key and sends it with every data request).
   */
  private addDashboard(): void {
    const integration = new LambdaIntegration(this.plotFunction);
    this.api.root.addResource('buckets').addMethod('GET', integration, {
      requestParameters: { 'method.request.querystring.names': false },
    });
    const page = { apiKeyRequired: false };
    this.api.root.addMethod('GET', integration, page);
    this.api.root.addResource('app.js').addMethod('GET', integration, page);
    this.api.root.addResource('app.css').addMethod('GET', integration, page);
    new CfnOutput(this, 'DashboardUrl', {
      value: this.api.urlForPath('/'),
      description: 'The live dashboard page (asks for the API key once)',
    });
  }
}
