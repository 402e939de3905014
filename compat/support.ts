import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalCloud } from '../emulator/local-cloud.ts';

/** One compatibility app: a small CDK app, and how to use it as its users would. */
export interface CompatApp {
  /** Its folder under compat/apps/. */
  readonly name: string;
  /** The constructs it uses, for the table. */
  readonly uses: string;
  synthesize(outdir: string): void;
  /** Talks to the deployed app through its API or SDK calls; throws on the first wrong answer. Returns what it checked. */
  exercise(cloud: LocalCloud): Promise<string[]>;
  /** Checks made once `cloud.destroy()` has run (what a stack deletion does). */
  afterDestroy?(): Promise<string[]> | string[];
}

const CLIENT_SETTINGS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

/** SDK clients on a cloud's endpoints, as a user's script would make them. */
export function clientsFor(cloud: LocalCloud) {
  const dynamodb = new DynamoDBClient({ ...CLIENT_SETTINGS, endpoint: cloud.endpoints.dynamodb });
  return {
    s3: new S3Client({ ...CLIENT_SETTINGS, endpoint: cloud.endpoints.s3, forcePathStyle: true }),
    documents: DynamoDBDocumentClient.from(dynamodb),
    lambda: new LambdaClient({ ...CLIENT_SETTINGS, endpoint: cloud.endpoints.lambda }),
  };
}

/** The first output of that key in any stack of the cloud. */
export function output(cloud: LocalCloud, key: string): string {
  for (const outputs of Object.values(cloud.outputs)) if (outputs[key] !== undefined) return outputs[key];
  throw new Error(`no stack output ${key} (outputs: ${JSON.stringify(cloud.outputs)})`);
}

/** JSON with every object's keys sorted: stores (DynamoDB) give attributes back in any order. */
function canonical(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

/** Fails with both values when they differ (compared as JSON, object keys in any order). */
export function expectEqual(what: string, actual: unknown, expected: unknown): string {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
  return `${what}: ${JSON.stringify(expected)}`;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or the text itself when it is not JSON (so that a failure shows it). */
  json: unknown;
}

/** A real HTTP request to the app's API. */
export async function http(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Lambda's Invoke through the SDK: the function's error type (when it failed) and its parsed payload. */
export async function invoke(
  cloud: LocalCloud,
  functionName: string,
  payload: unknown,
): Promise<{ functionError?: string; payload: unknown }> {
  const { lambda } = clientsFor(cloud);
  const answer = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
  );
  const text = Buffer.from(answer.Payload ?? []).toString();
  return {
    ...(answer.FunctionError ? { functionError: answer.FunctionError } : {}),
    payload: text ? JSON.parse(text) : undefined,
  };
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
