import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TableName = process.env.TABLE_NAME;

const reply = (statusCode: number, body?: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: body === undefined ? '' : JSON.stringify(body),
});

/** CRUD on /items and /items/{id}, a DynamoDB item per entry. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const id = event.pathParameters?.id;
  const input = event.body ? (JSON.parse(event.body) as Record<string, unknown>) : {};
  switch (`${event.httpMethod} ${id ? 'item' : 'items'}`) {
    case 'GET items':
      return reply(200, (await documents.send(new ScanCommand({ TableName }))).Items ?? []);
    case 'POST items': {
      const item = { ...input, id: randomUUID() };
      await documents.send(new PutCommand({ TableName, Item: item }));
      return reply(201, item);
    }
    case 'GET item': {
      const { Item } = await documents.send(new GetCommand({ TableName, Key: { id } }));
      return Item ? reply(200, Item) : reply(404, { message: `no item ${id}` });
    }
    case 'PUT item': {
      const item = { ...input, id };
      await documents.send(new PutCommand({ TableName, Item: item }));
      return reply(200, item);
    }
    case 'DELETE item':
      await documents.send(new DeleteCommand({ TableName, Key: { id } }));
      return reply(204);
    default:
      return reply(405, { message: `${event.httpMethod} is not allowed here` });
  }
}
