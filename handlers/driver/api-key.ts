import { APIGatewayClient, GetApiKeyCommand } from '@aws-sdk/client-api-gateway';

/**
 * The plot API's key value, read once per execution environment with GetApiKey (includeValue) from
 * the key id the stack passes in: the value never sits in the template or the environment. The
 * endpoint comes from the standard SDK settings (AWS_ENDPOINT_URL_API_GATEWAY on the embedded cloud,
 * AWS_ENDPOINT_URL on LocalStack). Undefined when the API is open (no key id).
 */
let cached: { id: string; value: Promise<string> } | undefined;

export function plotApiKey(keyId: string | undefined): Promise<string> | undefined {
  if (!keyId) return undefined;
  if (cached?.id !== keyId) {
    const client = new APIGatewayClient({});
    const value = client
      .send(new GetApiKeyCommand({ apiKey: keyId, includeValue: true }))
      .then((key) => {
        if (!key.value) throw new Error(`GetApiKey ${keyId} returned no value`);
        return key.value;
      })
      .finally(() => client.destroy());
    value.catch(() => {
      if (cached?.value === value) cached = undefined; // ask again next time
    });
    cached = { id: keyId, value };
  }
  return cached.value;
}
