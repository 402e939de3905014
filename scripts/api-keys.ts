// What `make embedded-up` says about the API keys of the running cloud: each key's id and value,
// and the AWS CLI command that reads it there as on AWS (the embedded control plane answers it).
import type { LocalCloud } from '../emulator/local-cloud.ts';
import { apiKeyValueAt } from '../integration/targets/api-key.ts';

export async function printApiKeys(cloud: LocalCloud): Promise<void> {
  const keys = Object.entries(cloud.outputs).flatMap(([stack, outputs]) =>
    Object.entries(outputs)
      .filter(([key]) => key.endsWith('ApiKeyId'))
      .map(([key, id]) => ({ name: `${stack}.${key}`, id })),
  );
  if (keys.length === 0) return;
  console.log("\nAPI keys (send the value as the x-api-key header to the key's API):");
  for (const key of keys) {
    const value = await apiKeyValueAt(cloud.endpoints.api, cloud.region, key.id);
    console.log(`  ${key.name} = ${key.id}, value ${value}`);
  }
  const first = keys[0] as { id: string };
  console.log('  read a value as on AWS (any AWS CLI; the embedded API port answers GetApiKey):');
  console.log(
    `  aws apigateway get-api-key --api-key ${first.id} --include-value --query value --output text --endpoint-url ${cloud.endpoints.api}`,
  );
  // the example call names the app's own API: the size tracker's plot or the PetDetector's images
  if (keys.some((key) => key.name.includes('PetDetector')))
    console.log(`  curl -H "x-api-key: <value>" "<ApiUrl>images?label=cat"`);
  else console.log(`  curl -H "x-api-key: <value>" -o chart.png "<PlotApiUrl>?window=600"`);
}
