/**
 * What the deployed stacks declared, as the runtime needs it: functions to run, bucket notifications
 * to route, REST APIs to serve and schedules to trigger. Filled by the resource handlers while
 * stacks deploy, read by the event router, the API server and the local cloud.
 */
export interface LambdaFunctionSpec {
  readonly name: string;
  readonly logicalId: string;
  readonly stack: string;
  readonly arn: string;
  /** The unzipped asset directory (LAMBDA_TASK_ROOT). */
  readonly assetDir: string;
  /** e.g. `index.handler`: module `index` in assetDir, export `handler`. */
  readonly handler: string;
  readonly runtime: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** The template's resolved Environment.Variables. */
  readonly environment: Readonly<Record<string, string>>;
  /** Extracted layer folders (each holding `nodejs/node_modules`...), in the template's order. */
  readonly layerDirs?: readonly string[];
}

/** One LambdaConfiguration of a bucket's NotificationConfiguration. */
export interface LambdaNotification {
  readonly bucket: string;
  readonly id?: string;
  /** e.g. `s3:ObjectCreated:*` or `s3:ObjectRemoved:Delete`. */
  readonly event: string;
  readonly functionArn: string;
  readonly prefix?: string;
  readonly suffix?: string;
}

/** One IntegrationResponse of a MOCK integration (CDK's CORS preflight is one). */
export interface MockIntegrationResponse {
  readonly statusCode: number;
  /** Regex matched against the integration's status code; the default response has none. */
  readonly selectionPattern?: string;
  /** `method.response.header.<name>` -> `'static value'` or `method.request.header.<name>`... */
  readonly responseParameters: Readonly<Record<string, string>>;
  readonly responseTemplates: Readonly<Record<string, string>>;
}

/** What MOCK and AWS (non-proxy) integrations share: mapping templates and integration responses. */
export interface MappedIntegration {
  /** RequestTemplates by content type (VTL). For MOCK, the rendered `statusCode` picks the response. */
  readonly requestTemplates: Readonly<Record<string, string>>;
  readonly integrationResponses: readonly MockIntegrationResponse[];
  /** `integration.request.<where>.<name>` -> `method.request.*`, `'literal'`, `context.*`... */
  readonly requestParameters?: Readonly<Record<string, string>>;
  /** WHEN_NO_MATCH (default), WHEN_NO_TEMPLATES or NEVER. */
  readonly passthroughBehavior?: string;
}

export interface ApiMethod {
  readonly resourceId: string;
  /** GET, POST... or ANY. */
  readonly httpMethod: string;
  readonly integration:
    | { readonly type: 'AWS_PROXY'; readonly functionArn: string }
    | ({ readonly type: 'MOCK' } & MappedIntegration)
    | ({
        readonly type: 'AWS';
        /** `arn:aws:apigateway:<region>:<service>:action/<Action>` or `:path/...` (Lambda's invocations path). */
        readonly uri: string;
        /** IntegrationHttpMethod. */
        readonly httpMethod: string;
      } & MappedIntegration);
  /** NONE, AWS_IAM, CUSTOM (a Lambda authorizer) or COGNITO_USER_POOLS. */
  readonly authorizationType?: string;
  /** The AWS::ApiGateway::Authorizer id of a CUSTOM method. */
  readonly authorizerId?: string;
  /** RequestModels: content type -> model name (the body a request validator checks). */
  readonly requestModels?: Readonly<Record<string, string>>;
  /** ApiKeyRequired: the request needs a valid `x-api-key` of a usage plan of the stage. */
  readonly apiKeyRequired?: boolean;
  /** Parameters marked required in RequestParameters, by location (querystring, header, path). */
  readonly requiredParameters: readonly { readonly location: string; readonly name: string }[];
  readonly validatorId?: string;
}

export interface RestApiModel {
  readonly id: string;
  readonly name: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly rootResourceId: string;
  readonly binaryMediaTypes: readonly string[];
  readonly resources: Map<string, { readonly parentId: string; readonly pathPart: string }>;
  readonly methods: ApiMethod[];
  readonly validators: Map<string, { readonly parameters: boolean; readonly body: boolean }>;
  readonly stages: Set<string>;
  /** ApiKeySourceType: HEADER (x-api-key, the default) or AUTHORIZER (the authorizer's usageIdentifierKey). */
  readonly apiKeySource?: 'HEADER' | 'AUTHORIZER';
  /** AWS::ApiGateway::Model schemas (JSON Schema draft 4) by model name. */
  readonly models?: Map<string, Readonly<Record<string, unknown>>>;
  /** Stage variables by stage name. */
  readonly stageVariables?: Map<string, Readonly<Record<string, string>>>;
}

export interface ScheduleRule {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly scheduleExpression?: string;
  readonly enabled: boolean;
  readonly targets: readonly { readonly id: string; readonly arn: string; readonly input?: string }[];
}

export class CloudModel {
  /** By function ARN. */
  readonly functions = new Map<string, LambdaFunctionSpec>();
  /** By bucket name. */
  readonly notifications = new Map<string, LambdaNotification[]>();
  /** By REST API id. */
  readonly restApis = new Map<string, RestApiModel>();
  readonly rules: ScheduleRule[] = [];
  /** Layer version folders (each holding `nodejs/node_modules`, `python`...), by layer version ARN. */
  readonly layers = new Map<string, string>();

  /** A function by ARN, physical name, logical id, or a logical id prefix that is unique. */
  findFunction(key: string): LambdaFunctionSpec | undefined {
    const all = [...this.functions.values()];
    const exact =
      this.functions.get(key) ??
      all.find((fn) => fn.name === key) ??
      all.find((fn) => fn.logicalId === key) ??
      all.find((fn) => key.startsWith('arn:') && key.startsWith(`${fn.arn}:`)); // qualified ARN
    if (exact) return exact;
    const byPrefix = all.filter((fn) => fn.logicalId.startsWith(key));
    return byPrefix.length === 1 ? byPrefix[0] : undefined;
  }

  /** Like findFunction, failing with the known functions listed. */
  requireFunction(key: string): LambdaFunctionSpec {
    const spec = this.findFunction(key);
    if (spec) return spec;
    const known = [...this.functions.values()].map((fn) => fn.logicalId).join(', ');
    throw new Error(`no function ${key} in this cloud (known: ${known})`);
  }
}
