import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';

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
