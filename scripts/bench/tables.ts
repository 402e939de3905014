import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { TableNames } from '../../handlers/tracking/ledger-store.ts';

interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/**
 * Creates the history and ledger tables as the synthesized Storage stack declares them (keys, the
 * largestSize index, on-demand billing), under the names given: the tracker benchmark runs the
 * tracker on bare DynamoDB Local + the embedded S3, without deploying the whole app.
 */
export async function createAppTables(
  client: DynamoDBClient,
  assemblyDir: string,
  names: TableNames,
): Promise<void> {
  const file = readdirSync(assemblyDir).find((name) => /Storage\.template\.json$/.test(name));
  if (!file) throw new Error(`no Storage stack template in ${assemblyDir}`);
  const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
    Resources: Record<string, TemplateResource>;
    Outputs: Record<string, { Value: { Ref?: string } }>;
  };
  const byOutput = (output: string) => {
    const ref = template.Outputs[output]?.Value.Ref;
    const resource = ref ? template.Resources[ref] : undefined;
    if (!resource) throw new Error(`output ${output} of ${file} does not name a table`);
    return resource.Properties;
  };
  for (const [name, props] of [
    [names.history, byOutput('TableName')],
    [names.ledger, byOutput('LedgerTableName')],
  ] as const) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: props.AttributeDefinitions,
        KeySchema: props.KeySchema,
        BillingMode: 'PAY_PER_REQUEST',
        ...(props.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: props.GlobalSecondaryIndexes } : {}),
      } as CreateTableCommandInput),
    );
  }
}

/** A plain bucket/ts table for the baseline's history items. */
export async function createBaselineTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'bucket', AttributeType: 'S' },
        { AttributeName: 'ts', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'bucket', KeyType: 'HASH' },
        { AttributeName: 'ts', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}
