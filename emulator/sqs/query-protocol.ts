import { randomUUID } from 'node:crypto';
import { clientKeyed } from '../services/client-keyed.ts';
import type { SqsError } from './errors.ts';

/**
 * SQS's query protocol (AWS CLI 1.x, AWS CLI 2 before 2.13, older SDKs): flattened form parameters
 * (`Attribute.1.Name`, `MessageAttribute.1.Value.StringValue`, `SendMessageBatchRequestEntry.1.Id`)
 * turned into the JSON protocol's input shapes, and the JSON output shapes written as SQS's XML.
 * Pure.
 */
export const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

type Tree = { [key: string]: Tree | string };

function tree(params: URLSearchParams, skip: (key: string) => boolean = () => false): Tree {
  // parameter names are the client's: `__proto__.x=1` must not reach Object.prototype
  const root = clientKeyed<Tree | string>();
  for (const [name, value] of params) {
    if (skip(name)) continue;
    const parts = name.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next === 'object') node = next;
      else node = node[part] = clientKeyed<Tree | string>();
    }
    node[parts.at(-1) as string] = value;
  }
  return root;
}

/** `{ 1: x, 2: y }` -> [x, y], by number. */
function numbered(node: Tree | string | undefined): (Tree | string)[] {
  if (node === undefined || typeof node === 'string') return [];
  return Object.keys(node)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => node[key] as Tree | string);
}

const text = (node: Tree | string | undefined): string | undefined =>
  typeof node === 'string' ? node : undefined;

function nameValueMap(
  node: Tree | string | undefined,
  key = 'Name',
  value = 'Value',
): Record<string, string> {
  const out = clientKeyed<string>();
  for (const entry of numbered(node)) {
    if (typeof entry === 'string') continue;
    const name = text(entry[key]);
    if (name !== undefined) out[name] = text(entry[value]) ?? '';
  }
  return out;
}

function messageAttributes(node: Tree | string | undefined): Record<string, unknown> | undefined {
  const entries = numbered(node);
  if (entries.length === 0) return undefined;
  const out = clientKeyed<unknown>();
  for (const entry of entries) {
    if (typeof entry === 'string') continue;
    const value = entry.Value;
    const name = text(entry.Name);
    if (name === undefined || typeof value !== 'object') continue;
    out[name] = {
      DataType: text(value.DataType),
      ...(value.StringValue !== undefined ? { StringValue: text(value.StringValue) } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: text(value.BinaryValue) } : {}),
    };
  }
  return out;
}

function messageInput(node: Tree): Record<string, unknown> {
  return {
    MessageBody: text(node.MessageBody),
    DelaySeconds: text(node.DelaySeconds),
    MessageGroupId: text(node.MessageGroupId),
    MessageDeduplicationId: text(node.MessageDeduplicationId),
    MessageAttributes: messageAttributes(node.MessageAttribute),
    MessageSystemAttributes: messageAttributes(node.MessageSystemAttribute),
  };
}

function batchEntries(
  node: Tree | string | undefined,
  each: (entry: Tree) => Record<string, unknown>,
): unknown[] {
  return numbered(node).map((entry) =>
    typeof entry === 'string' ? {} : { Id: text(entry.Id), ...each(entry) },
  );
}

/** The JSON-shaped input of an action from its form parameters (and the queue URL path). */
export function queryToInput(action: string, params: URLSearchParams, path: string): Record<string, unknown> {
  const t = tree(params, (key) => key === 'Action' || key === 'Version');
  const listed = (name: string) => {
    const values = numbered(t[name]).filter((v): v is string => typeof v === 'string');
    return values.length > 0 ? values : undefined;
  };
  const queueUrl = text(t.QueueUrl) ?? (/^\/\d{12}\/[^/]+$/.test(path) ? path : undefined);
  const base: Record<string, unknown> = { ...(queueUrl ? { QueueUrl: queueUrl } : {}) };
  switch (action) {
    case 'CreateQueue':
      return {
        QueueName: text(t.QueueName),
        Attributes: nameValueMap(t.Attribute),
        tags: nameValueMap(t.Tag, 'Key', 'Value'),
      };
    case 'SetQueueAttributes':
      return { ...base, Attributes: nameValueMap(t.Attribute) };
    case 'TagQueue':
      return { ...base, Tags: nameValueMap(t.Tag, 'Key', 'Value') };
    case 'UntagQueue':
      return { ...base, TagKeys: listed('TagKey') };
    case 'GetQueueAttributes':
      return { ...base, AttributeNames: listed('AttributeName') };
    case 'ReceiveMessage':
      return {
        ...base,
        AttributeNames: listed('AttributeName'),
        MessageSystemAttributeNames: listed('MessageSystemAttributeName'),
        MessageAttributeNames: listed('MessageAttributeName'),
        MaxNumberOfMessages: text(t.MaxNumberOfMessages),
        WaitTimeSeconds: text(t.WaitTimeSeconds),
        VisibilityTimeout: text(t.VisibilityTimeout),
      };
    case 'SendMessage':
      return { ...base, ...messageInput(t) };
    case 'SendMessageBatch':
      return { ...base, Entries: batchEntries(t.SendMessageBatchRequestEntry, messageInput) };
    case 'DeleteMessageBatch':
      return {
        ...base,
        Entries: batchEntries(t.DeleteMessageBatchRequestEntry, (e) => ({
          ReceiptHandle: text(e.ReceiptHandle),
        })),
      };
    case 'ChangeMessageVisibilityBatch':
      return {
        ...base,
        Entries: batchEntries(t.ChangeMessageVisibilityBatchRequestEntry, (e) => ({
          ReceiptHandle: text(e.ReceiptHandle),
          VisibilityTimeout: text(e.VisibilityTimeout),
        })),
      };
    default: {
      const out: Record<string, unknown> = { ...base };
      for (const [key, value] of Object.entries(t))
        if (typeof value === 'string' && key !== 'QueueUrl') out[key] = value;
      return out;
    }
  }
}

function escapeXml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll('\r', '&#xD;');
}

const element = (name: string, value: string) => `<${name}>${escapeXml(value)}</${name}>`;

/** One JSON output value as XML children, with SQS's element names for maps and lists. */
function toXml(action: string, key: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (key) {
    case 'Attributes':
      return Object.entries(value as Record<string, string>)
        .map(([name, v]) => `<Attribute>${element('Name', name)}${element('Value', v)}</Attribute>`)
        .join('');
    case 'Tags':
      return Object.entries(value as Record<string, string>)
        .map(([name, v]) => `<Tag>${element('Key', name)}${element('Value', v)}</Tag>`)
        .join('');
    case 'MessageAttributes':
      return Object.entries(value as Record<string, Record<string, string>>)
        .map(
          ([name, v]) =>
            `<MessageAttribute>${element('Name', name)}<Value>${Object.entries(v)
              .map(([k, x]) => element(k, x))
              .join('')}</Value></MessageAttribute>`,
        )
        .join('');
    case 'QueueUrls':
      return (value as string[]).map((url) => element('QueueUrl', url)).join('');
    case 'Messages':
      return (value as Record<string, unknown>[])
        .map(
          (m) =>
            `<Message>${Object.entries(m)
              .map(([k, v]) => toXml(action, k, v))
              .join('')}</Message>`,
        )
        .join('');
    case 'Successful':
      return (value as Record<string, unknown>[])
        .map(
          (entry) =>
            `<${action}ResultEntry>${Object.entries(entry)
              .map(([k, v]) => toXml(action, k, v))
              .join('')}</${action}ResultEntry>`,
        )
        .join('');
    case 'Failed':
      return (value as Record<string, unknown>[])
        .map(
          (entry) =>
            `<BatchResultErrorEntry>${Object.entries(entry)
              .map(([k, v]) => toXml(action, k, v))
              .join('')}</BatchResultErrorEntry>`,
        )
        .join('');
    default:
      return element(key, String(value));
  }
}

export function successXml(action: string, output: unknown, requestId: string): string {
  const body = Object.entries((output ?? {}) as Record<string, unknown>)
    .map(([key, value]) => toXml(action, key, value))
    .join('');
  return `<?xml version="1.0"?><${action}Response xmlns="${SQS_XMLNS}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function errorXml(error: SqsError, requestId: string = randomUUID()): string {
  return `<?xml version="1.0"?><ErrorResponse xmlns="${SQS_XMLNS}"><Error><Type>${error.fault}</Type>${element('Code', error.queryCode)}${element('Message', error.message)}<Detail/></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
