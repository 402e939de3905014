import type { ApiMethod, MappedIntegration, RestApiModel } from '../cloudformation/cloud-model.ts';
import { shortId } from '../cloudformation/naming.ts';
import type { DeployContext, PhysicalResource, ResourceHandler } from '../cloudformation/resource-types.ts';
import { apiAuthorizer } from './authorizers/resources.ts';
import { apiGatewayResponse } from './gateway-response-resources.ts';
import { awsIntegrationRefusal, lambdaFunctionArnOf } from './integrations/aws-integration.ts';
import { stageThrottles, usagePlanHandlers } from './usage-plan-resources.ts';
import { apiGatewayState } from './usage-plans.ts';

/**
 * AWS::ApiGateway::RestApi and the resources that build its routes. Each one adds to the REST API
 * model the local API server serves; ids are stable per state directory (see naming.ts).
 */
type Props = Record<string, unknown>;

function fail(ctx: DeployContext, logicalId: string, type: string, message: string): never {
  throw new Error(`stack ${ctx.stack}, resource ${logicalId} (${type}): ${message}`);
}

function apiOf(ctx: DeployContext, logicalId: string, type: string, properties: Props): RestApiModel {
  const api = ctx.model.restApis.get(String(properties.RestApiId));
  return (
    api ??
    fail(ctx, logicalId, type, `RestApiId ${String(properties.RestApiId)} is not a REST API of this cloud`)
  );
}

const id = (ctx: DeployContext, logicalId: string, length = 10) =>
  shortId(ctx.seed, [ctx.stack, logicalId], length);

export const restApi: ResourceHandler = {
  types: ['AWS::ApiGateway::RestApi'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    if (properties.Body !== undefined || properties.BodyS3Location !== undefined) {
      fail(ctx, logicalId, type, 'OpenAPI definitions (Body/BodyS3Location) are not supported');
    }
    const keySource = properties.ApiKeySourceType ?? 'HEADER';
    if (keySource !== 'HEADER' && keySource !== 'AUTHORIZER') {
      fail(ctx, logicalId, type, `ApiKeySourceType ${String(keySource)} is not HEADER or AUTHORIZER`);
    }
    const apiId = id(ctx, logicalId);
    const rootResourceId = shortId(ctx.seed, [ctx.stack, logicalId, 'root'], 10);
    ctx.model.restApis.set(apiId, {
      id: apiId,
      name: String(properties.Name ?? logicalId),
      stack: ctx.stack,
      logicalId,
      rootResourceId,
      binaryMediaTypes: ((properties.BinaryMediaTypes ?? []) as unknown[]).map(String),
      resources: new Map(),
      methods: [],
      validators: new Map(),
      stages: new Set(),
      apiKeySource: keySource,
      stageVariables: new Map(),
      models: new Map(),
    });
    return { ref: apiId, attributes: { RootResourceId: rootResourceId, RestApiId: apiId } };
  },
};

export const apiResource: ResourceHandler = {
  types: ['AWS::ApiGateway::Resource'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    const resourceId = id(ctx, logicalId);
    api.resources.set(resourceId, {
      parentId: String(properties.ParentId),
      pathPart: String(properties.PathPart),
    });
    return { ref: resourceId, attributes: { ResourceId: resourceId } };
  },
};

export const apiMethod: ResourceHandler = {
  types: ['AWS::ApiGateway::Method'],
  unsupported(properties) {
    const integration = (properties.Integration ?? {}) as Props;
    const type = integration.Type;
    if (typeof type === 'string' && !INTEGRATION_TYPES.includes(type))
      return [`integration type ${type} is not supported (AWS_PROXY, AWS and MOCK are)`];
    const refusal =
      type === 'AWS' && typeof integration.Uri === 'string'
        ? awsIntegrationRefusal(integration.Uri)
        : undefined;
    return refusal ? [refusal] : [];
  },
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    const integration = (properties.Integration ?? {}) as Props;
    let methodIntegration: ApiMethod['integration'];
    if (integration.Type === 'AWS_PROXY') {
      const uri = String(integration.Uri ?? '');
      const functionArn = lambdaFunctionArnOf(uri);
      if (!functionArn) fail(ctx, logicalId, type, `Integration.Uri ${uri} does not name a Lambda function`);
      methodIntegration = { type: 'AWS_PROXY', functionArn };
    } else if (integration.Type === 'MOCK') {
      methodIntegration = { type: 'MOCK', ...mappedIntegration(integration) };
    } else if (integration.Type === 'AWS') {
      const uri = String(integration.Uri ?? '');
      const refusal = awsIntegrationRefusal(uri);
      if (refusal) fail(ctx, logicalId, type, refusal);
      methodIntegration = {
        type: 'AWS',
        uri,
        httpMethod: String(integration.IntegrationHttpMethod ?? 'POST').toUpperCase(),
        ...mappedIntegration(integration),
      };
    } else {
      fail(
        ctx,
        logicalId,
        type,
        `integration type ${String(integration.Type)} is not supported (AWS_PROXY, AWS and MOCK are)`,
      );
    }
    const authorizationType = String(properties.AuthorizationType ?? 'NONE').toUpperCase();
    if (authorizationType === 'CUSTOM' && !properties.AuthorizerId)
      fail(ctx, logicalId, type, 'AuthorizationType CUSTOM needs an AuthorizerId');
    if (authorizationType === 'AWS_IAM')
      ctx.logOnce(
        'apigateway-aws-iam',
        'API Gateway AWS_IAM authorization is accepted, not enforced (IAM is not emulated)',
      );
    const requiredParameters = Object.entries((properties.RequestParameters ?? {}) as Props)
      .filter(([, required]) => required === true || required === 'true')
      .map(([key]) => /^method\.request\.(querystring|header|path)\.(.+)$/.exec(key))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => ({ location: match[1] as string, name: match[2] as string }));
    api.methods.push({
      resourceId: String(properties.ResourceId),
      httpMethod: String(properties.HttpMethod).toUpperCase(),
      integration: methodIntegration,
      apiKeyRequired: properties.ApiKeyRequired === true || properties.ApiKeyRequired === 'true',
      authorizationType,
      ...(authorizationType === 'CUSTOM' ? { authorizerId: String(properties.AuthorizerId) } : {}),
      ...(properties.RequestModels ? { requestModels: stringMap(properties.RequestModels) } : {}),
      requiredParameters,
      ...(properties.RequestValidatorId ? { validatorId: String(properties.RequestValidatorId) } : {}),
    });
    return { ref: id(ctx, logicalId), attributes: {} };
  },
};

export const apiRequestValidator: ResourceHandler = {
  types: ['AWS::ApiGateway::RequestValidator'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    const validatorId = id(ctx, logicalId, 6);
    api.validators.set(validatorId, {
      parameters:
        properties.ValidateRequestParameters === true || properties.ValidateRequestParameters === 'true',
      body: properties.ValidateRequestBody === true || properties.ValidateRequestBody === 'true',
    });
    return { ref: validatorId, attributes: { RequestValidatorId: validatorId } };
  },
};

export const apiDeployment: ResourceHandler = {
  types: ['AWS::ApiGateway::Deployment'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    if (typeof properties.StageName === 'string') {
      api.stages.add(properties.StageName);
      const description = (properties.StageDescription ?? {}) as Props;
      api.stageVariables?.set(properties.StageName, stringMap(description.Variables));
      apiGatewayState(ctx.model).setStageThrottles(api.id, properties.StageName, [
        ...stageThrottles(
          description.ThrottlingRateLimit !== undefined || description.ThrottlingBurstLimit !== undefined
            ? [{ ResourcePath: '/*', HttpMethod: '*', ...description }]
            : [],
        ),
        ...stageThrottles(description.MethodSettings),
      ]);
    }
    return { ref: id(ctx, logicalId, 6), attributes: { DeploymentId: id(ctx, logicalId, 6) } };
  },
};

export const apiStage: ResourceHandler = {
  types: ['AWS::ApiGateway::Stage'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    const stageName = String(properties.StageName ?? fail(ctx, logicalId, type, 'has no StageName'));
    api.stages.add(stageName);
    api.stageVariables?.set(stageName, stringMap(properties.Variables));
    apiGatewayState(ctx.model).setStageThrottles(
      api.id,
      stageName,
      stageThrottles(properties.MethodSettings),
    );
    return { ref: stageName, attributes: {} };
  },
};

const INTEGRATION_TYPES = ['AWS_PROXY', 'AWS', 'MOCK'];

/** What MOCK and AWS integrations share: templates, parameters, passthrough, integration responses. */
function mappedIntegration(integration: Props): MappedIntegration {
  const strings = (value: unknown) =>
    Object.fromEntries(Object.entries((value ?? {}) as Props).map(([k, v]) => [k, String(v)]));
  return {
    requestTemplates: strings(integration.RequestTemplates),
    requestParameters: strings(integration.RequestParameters),
    ...(typeof integration.PassthroughBehavior === 'string'
      ? { passthroughBehavior: integration.PassthroughBehavior.toUpperCase() }
      : {}),
    integrationResponses: ((integration.IntegrationResponses ?? []) as Props[]).map((response) => ({
      statusCode: Number(response.StatusCode ?? 200),
      ...(typeof response.SelectionPattern === 'string' && response.SelectionPattern !== ''
        ? { selectionPattern: response.SelectionPattern }
        : {}),
      responseParameters: strings(response.ResponseParameters),
      responseTemplates: strings(response.ResponseTemplates),
    })),
  };
}

const stringMap = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((value ?? {}) as Props).map(([k, v]) => [k, String(v)]));

/** A request or response model: its JSON schema, which a request validator checks bodies against. */
export const apiModel: ResourceHandler = {
  types: ['AWS::ApiGateway::Model'],
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    // CloudFormation names an unnamed model after its logical id (letters and digits only)
    const name = String(
      properties.Name ?? `${logicalId.replace(/[^A-Za-z0-9]/g, '')}${id(ctx, logicalId, 6)}`,
    );
    let schema = properties.Schema ?? {};
    if (typeof schema === 'string') {
      try {
        schema = JSON.parse(schema);
      } catch {
        fail(ctx, logicalId, type, 'Schema is not JSON');
      }
    }
    api.models?.set(name, schema as Record<string, unknown>);
    return { ref: name, attributes: {} };
  },
};

/** The account's CloudWatch role for API Gateway logs: accepted, nothing to do (no logs are kept). */
export const apiAccount: ResourceHandler = {
  types: ['AWS::ApiGateway::Account'],
  async create(ctx, logicalId): Promise<PhysicalResource> {
    ctx.logOnce(
      'apigateway-account',
      'accepting AWS::ApiGateway::Account (its CloudWatch role is for API Gateway logs, which are not kept)',
    );
    return { ref: id(ctx, logicalId), attributes: {} };
  },
};

export const apiGatewayHandlers = [
  apiAccount,
  apiAuthorizer,
  apiModel,
  apiGatewayResponse,
  restApi,
  apiResource,
  apiMethod,
  apiRequestValidator,
  apiDeployment,
  apiStage,
  ...usagePlanHandlers,
];
