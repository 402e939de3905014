import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type GlobalSecondaryIndex,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { physicalName } from '../cloudformation/naming.ts';
import {
  errorName,
  optionalString,
  type PhysicalResource,
  type ResourceHandler,
} from '../cloudformation/resource-types.ts';

type Props = Record<string, unknown>;

/** AWS::DynamoDB::Table and ::GlobalTable: a table on DynamoDB Local with its keys and indexes. */
export const dynamoDbTable: ResourceHandler = {
  types: ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'],
  async create(ctx, logicalId, properties): Promise<PhysicalResource> {
    const where = { stack: ctx.stack, logicalId };
    const name =
      optionalString(properties, 'TableName', where) ??
      physicalName({ seed: ctx.seed, stack: ctx.stack, logicalId, maxLength: 255 });
    const input = createTableInput(name, properties);
    const createTable = async () => {
      let created = true;
      try {
        await ctx.clients.dynamodb.send(new CreateTableCommand(input));
      } catch (err) {
        // a restart on the same state directory finds its tables (and their items) again
        if (errorName(err) !== 'ResourceInUseException') {
          throw new Error(
            `stack ${ctx.stack}, resource ${logicalId}: CreateTable ${name} failed: ${(err as Error).message}`,
          );
        }
        created = false;
      }
      const ttl = properties.TimeToLiveSpecification as
        | { AttributeName?: string; Enabled?: boolean }
        | undefined;
      if (created && ttl?.Enabled && ttl.AttributeName) {
        await ctx.clients.dynamodb.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
          }),
        );
      }
    };
    // The name is all the rest of the deployment needs; the table itself can come when DynamoDB is up.
    if (ctx.whenDynamoDbReady) ctx.whenDynamoDbReady(createTable);
    else await createTable();
    const arn = `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
    return {
      ref: name,
      attributes: {
        Arn: arn,
        TableId: name,
        ...(input.StreamSpecification ? { StreamArn: `${arn}/stream/1970-01-01T00:00:00.000` } : {}),
      },
    };
  },
};

/** The CreateTable request for a Table or GlobalTable's properties (PROVISIONED gets its throughput). */
export function createTableInput(name: string, properties: Props): CreateTableCommandInput {
  const provisioned =
    properties.BillingMode === 'PROVISIONED' || (!properties.BillingMode && properties.ProvisionedThroughput);
  const throughput = (value: unknown) => {
    const t = (value ?? {}) as Props;
    return {
      ReadCapacityUnits: Number(t.ReadCapacityUnits ?? 5),
      WriteCapacityUnits: Number(t.WriteCapacityUnits ?? 5),
    };
  };
  const index = (raw: unknown): GlobalSecondaryIndex => {
    const gsi = raw as Props;
    return {
      IndexName: gsi.IndexName as string,
      KeySchema: gsi.KeySchema as GlobalSecondaryIndex['KeySchema'],
      Projection: gsi.Projection as GlobalSecondaryIndex['Projection'],
      ...(provisioned ? { ProvisionedThroughput: throughput(gsi.ProvisionedThroughput) } : {}),
    };
  };
  const stream = properties.StreamSpecification as { StreamViewType?: string } | undefined;
  const gsis = (properties.GlobalSecondaryIndexes ?? []) as unknown[];
  const lsis = (properties.LocalSecondaryIndexes ?? []) as Props[];
  return {
    TableName: name,
    AttributeDefinitions: properties.AttributeDefinitions as AttributeDefinition[],
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: throughput(properties.ProvisionedThroughput) } : {}),
    ...(gsis.length ? { GlobalSecondaryIndexes: gsis.map(index) } : {}),
    ...(lsis.length
      ? {
          LocalSecondaryIndexes: lsis.map((lsi) => ({
            IndexName: lsi.IndexName as string,
            KeySchema: lsi.KeySchema as GlobalSecondaryIndex['KeySchema'],
            Projection: lsi.Projection as GlobalSecondaryIndex['Projection'],
          })),
        }
      : {}),
    ...(stream?.StreamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.StreamViewType as 'NEW_IMAGE' } }
      : {}),
  };
}
