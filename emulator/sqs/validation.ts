import { clientKeyed, ownValue } from '../services/client-keyed.ts';
import { invalidParameter, invalidValue, missingParameter, SqsError } from './errors.ts';
import type { MessageAttributeValue } from './md5.ts';
import { FIFO_ONLY_ATTRIBUTES, NUMERIC_ATTRIBUTES, TEXT_ATTRIBUTES } from './model.ts';

/** What SQS checks before accepting a queue or a message, with its error names and words. Pure. */

export function checkQueueName(name: unknown, fifo: boolean): string {
  if (typeof name !== 'string' || name === '') throw missingParameter('QueueName');
  if (fifo) {
    if (!/^[A-Za-z0-9_-]{1,75}\.fifo$/.test(name))
      throw invalidParameter(
        'The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length',
      );
  } else if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    throw invalidParameter(
      'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
    );
  }
  return name;
}

/** Checks settable attributes (CreateQueue, SetQueueAttributes); `creating` allows FifoQueue. */
export function checkQueueAttributes(
  attributes: Record<string, string>,
  fifo: boolean,
  creating: boolean,
  queueExists: (arn: string) => boolean,
): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (typeof value !== 'string')
      throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
    const numeric = ownValue(NUMERIC_ATTRIBUTES, name);
    if (numeric) {
      const number = Number(value);
      if (value.trim() === '' || !Number.isInteger(number) || number < numeric.min || number > numeric.max)
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      continue;
    }
    if (name === 'FifoQueue') {
      if (!creating)
        throw new SqsError(
          'InvalidAttributeValue',
          'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
        );
      if (value.toLowerCase() !== 'true' && value.toLowerCase() !== 'false')
        throw new SqsError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue.');
      if (!fifo && value.toLowerCase() === 'true') continue;
      continue;
    }
    if (FIFO_ONLY_ATTRIBUTES.has(name)) {
      if (!fifo) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      const allowed: Record<string, string[]> = {
        ContentBasedDeduplication: ['true', 'false'],
        DeduplicationScope: ['queue', 'messageGroup'],
        FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
      };
      if (!allowed[name]?.includes(name === 'ContentBasedDeduplication' ? value.toLowerCase() : value))
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      continue;
    }
    if (!TEXT_ATTRIBUTES.has(name)) throw new SqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    if (name === 'RedrivePolicy' && value !== '') checkRedrivePolicy(value, queueExists);
    if ((name === 'Policy' || name === 'RedriveAllowPolicy') && value !== '') {
      try {
        JSON.parse(value);
      } catch {
        throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`);
      }
    }
  }
}

function checkRedrivePolicy(value: string, queueExists: (arn: string) => boolean): void {
  let policy: { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  try {
    policy = JSON.parse(value) as typeof policy;
  } catch {
    throw invalidValue('RedrivePolicy', value, 'Redrive policy is not a valid JSON map.');
  }
  if (policy.deadLetterTargetArn === undefined)
    throw invalidParameter(
      "Value {} for parameter RedrivePolicy is invalid. Reason: The required parameter 'deadLetterTargetArn' is missing".replace(
        '{}',
        value,
      ),
    );
  if (policy.maxReceiveCount === undefined)
    throw invalidParameter(
      `Value ${value} for parameter RedrivePolicy is invalid. Reason: The required parameter 'maxReceiveCount' is missing`,
    );
  const count = Number(policy.maxReceiveCount);
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw invalidValue(
      'RedrivePolicy',
      value,
      `Invalid value for maxReceiveCount: ${String(policy.maxReceiveCount)}, valid values are from 1 to 1000 both inclusive.`,
    );
  if (typeof policy.deadLetterTargetArn !== 'string' || !queueExists(policy.deadLetterTargetArn))
    throw invalidValue('RedrivePolicy', value, 'Dead letter target does not exist.');
}

// #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF
const VALID_CONTENT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
const INVALID_CONTENT_MESSAGE =
  'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF';

export function checkBody(body: unknown): string {
  if (typeof body !== 'string' || body === '') throw missingParameter('MessageBody');
  if (!VALID_CONTENT.test(body)) throw new SqsError('InvalidMessageContents', INVALID_CONTENT_MESSAGE);
  return body;
}

export function checkMessageAttributes(raw: unknown): Record<string, MessageAttributeValue> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object') throw invalidParameter('MessageAttributes must be a map');
  const out = clientKeyed<MessageAttributeValue>();
  const entries = Object.entries(raw as Record<string, Record<string, unknown>>);
  if (entries.length > 10)
    throw invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  for (const [name, attribute] of entries) {
    if (name.length >= 256)
      throw invalidParameter('Message (user) attribute names must be shorter than 256 Bytes');
    if (!/^[\u00c0-\u017fa-zA-Z0-9_.-]+$/.test(name))
      throw invalidParameter(
        'Message (user) attributes name can only contain upper and lower score characters, digits, periods, hyphens and underscores. ',
      );
    if (/^(aws\.|amazon\.|\.)/i.test(name) || name.endsWith('.'))
      throw invalidParameter(
        "You can't use message attribute names beginning with 'AWS.' or 'Amazon.'. These strings are reserved for internal use. Additionally, they cannot start or end with '.'.",
      );
    const type = attribute?.DataType;
    if (typeof type !== 'string' || type === '')
      throw invalidParameter('Missing required parameter DataType');
    if (!/^(String|Number|Binary)/.test(type))
      throw invalidParameter(
        `Type for parameter MessageAttributes.Attribute_name.DataType must be prefixed with "String", "Binary", or "Number", but was: ${type}`,
      );
    if (type.startsWith('Binary')) {
      const value = attribute.BinaryValue;
      if (typeof value !== 'string' || value === '')
        throw invalidParameter(
          `Message (user) attribute '${name}' must contain a non-empty value of type 'Binary'.`,
        );
      out[name] = { DataType: type, BinaryValue: value };
    } else {
      const value = attribute.StringValue;
      const kind = type.startsWith('Number') ? 'Number' : 'String';
      if (typeof value !== 'string' || value === '')
        throw invalidParameter(
          `Message (user) attribute '${name}' must contain a non-empty value of type '${kind}'.`,
        );
      if (kind === 'Number' && !Number.isFinite(Number(value)))
        throw invalidParameter(`Can't cast the value of message (user) attribute '${name}' to a number.`);
      if (!VALID_CONTENT.test(value)) throw invalidParameter(INVALID_CONTENT_MESSAGE);
      out[name] = { DataType: type, StringValue: value };
    }
  }
  return out;
}

export function attributesBytes(attributes: Readonly<Record<string, MessageAttributeValue>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes))
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      (value.BinaryValue !== undefined
        ? Buffer.from(value.BinaryValue, 'base64').length
        : Buffer.byteLength(value.StringValue ?? ''));
  return bytes;
}

const FIFO_ID = /^[0-9a-zA-Z!"#$%&'()*+,./:;<=>?@[\\\]^_`{|}~-]{1,128}$/;

export function checkFifoId(value: unknown, parameter: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !FIFO_ID.test(value))
    throw invalidValue(
      parameter,
      value,
      `${parameter} can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
    );
  return value;
}

export function optionalInt(
  value: unknown,
  parameter: string,
  min: number,
  max: number,
  reason: string,
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw invalidValue(parameter, value, reason);
  return number;
}

const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** The batch checks every *Batch operation makes, in SQS's order. */
export function checkBatch(entries: unknown, entryName: string): Record<string, unknown>[] {
  if (!Array.isArray(entries) || entries.length === 0)
    throw new SqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (entries.length > 10)
    throw new SqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const seen = new Set<string>();
  for (const entry of entries as Record<string, unknown>[]) {
    const id = entry?.Id;
    if (typeof id !== 'string' || !BATCH_ID.test(id))
      throw new SqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries as Record<string, unknown>[];
}
