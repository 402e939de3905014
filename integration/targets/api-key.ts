import {
  APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanCommand,
  CreateUsagePlanKeyCommand,
  GetApiKeyCommand,
} from '@aws-sdk/client-api-gateway';

/** The key's value, as a user gets it: GetApiKey with includeValue, on the target's control plane. */
export async function apiKeyValue(apiGateway: APIGatewayClient, keyId: string): Promise<string> {
  const key = await apiGateway.send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }));
  if (!key.value) throw new Error(`GetApiKey ${keyId} returned no value`);
  return key.value;
}

/** The same, with a client of its own on `endpoint` (the embedded cloud's API port, LocalStack's). */
export async function apiKeyValueAt(endpoint: string, region: string, keyId: string): Promise<string> {
  const apiGateway = new APIGatewayClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return await apiKeyValue(apiGateway, keyId);
  } finally {
    apiGateway.destroy();
  }
}

/**
 * A new key on a usage plan of its own for one stage, as a team gives its load-test client: the app's
 * plan (250 requests/s) would throttle a load test that measures the API itself. Returns the key value.
 */
export async function keyOnOwnPlanAt(
  endpoint: string,
  region: string,
  stage: { apiId: string; stage: string },
  throttle: { rateLimit: number; burstLimit: number },
  name: string,
): Promise<string> {
  const apiGateway = new APIGatewayClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const key = await apiGateway.send(new CreateApiKeyCommand({ name, enabled: true }));
    const plan = await apiGateway.send(
      new CreateUsagePlanCommand({ name, apiStages: [{ apiId: stage.apiId, stage: stage.stage }], throttle }),
    );
    await apiGateway.send(
      new CreateUsagePlanKeyCommand({ usagePlanId: plan.id, keyId: key.id, keyType: 'API_KEY' }),
    );
    if (!key.value) throw new Error(`CreateApiKey ${name} returned no value`);
    return key.value;
  } finally {
    apiGateway.destroy();
  }
}
