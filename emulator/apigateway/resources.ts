import type { ApiMethod, RestApiModel } from '../cloudformation/cloud-model.ts';
import { shortId } from '../cloudformation/naming.ts';
import type { DeployContext, PhysicalResource, ResourceHandler } from '../cloudformation/resource-types.ts';
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
    if (properties.ApiKeySourceType !== undefined && properties.ApiKeySourceType !== 'HEADER') {
      fail(
        ctx,
        logicalId,
        type,
        `ApiKeySourceType ${String(properties.ApiKeySourceType)} is not supported (HEADER is)`,
      );
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
    const type = ((properties.Integration ?? {}) as Props).Type;
    return typeof type === 'string' && type !== 'AWS_PROXY' && type !== 'MOCK'
      ? [`integration type ${type} is not supported (AWS_PROXY and MOCK are)`]
      : [];
  },
  async create(ctx, logicalId, properties, type): Promise<PhysicalResource> {
    const api = apiOf(ctx, logicalId, type, properties);
    const integration = (properties.Integration ?? {}) as Props;
    let methodIntegration: ApiMethod['integration'];
    if (integration.Type === 'AWS_PROXY') {
      const uri = String(integration.Uri ?? '');
      const functionArn = /\/functions\/(arn:[^/]+)\/invocations$/.exec(uri)?.[1];
      if (!functionArn) fail(ctx, logicalId, type, `Integration.Uri ${uri} does not name a Lambda function`);
      methodIntegration = { type: 'AWS_PROXY', functionArn };
    } else if (integration.Type === 'MOCK') {
      methodIntegration = mockIntegration(integration);
    } else {
      fail(
        ctx,
        logicalId,
        type,
        `integration type ${String(integration.Type)} is not supported (AWS_PROXY and MOCK are)`,
      );
    }
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
    apiGatewayState(ctx.model).setStageThrottles(
      api.id,
      stageName,
      stageThrottles(properties.MethodSettings),
    );
    return { ref: stageName, attributes: {} };
  },
};

/** A MOCK integration as API Gateway runs it: request template -> status -> integration response. */
function mockIntegration(integration: Props): ApiMethod['integration'] {
  const strings = (value: unknown) =>
    Object.fromEntries(Object.entries((value ?? {}) as Props).map(([k, v]) => [k, String(v)]));
  return {
    type: 'MOCK',
    requestTemplates: strings(integration.RequestTemplates),
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

export const apiGatewayHandlers = [
  restApi,
  apiResource,
  apiMethod,
  apiRequestValidator,
  apiDeployment,
  apiStage,
  ...usagePlanHandlers,
];
