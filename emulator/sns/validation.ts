import type { PublishedAttribute } from './messages.ts';
import type { SnsTopic } from './model.ts';
import { invalidParameter, SnsError } from './query-protocol.ts';

/** What Publish and Subscribe check before accepting anything, with SNS's error codes and messages. Pure. */
export const SUPPORTED_PROTOCOLS = ['lambda', 'sqs', 'http', 'https', 'email', 'email-json'] as const;
const KNOWN_PROTOCOLS = new Set([...SUPPORTED_PROTOCOLS, 'sms', 'application', 'firehose']);

/** SNS subjects are one line of printable text. */
export function hasControlCharacter(text: string): boolean {
  return [...text].some((char) => (char.codePointAt(0) ?? 0) < 0x20);
}

export function checkProtocol(protocol: string, topic: SnsTopic): void {
  if (!KNOWN_PROTOCOLS.has(protocol))
    throw invalidParameter(
      `Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`,
    );
  if (!(SUPPORTED_PROTOCOLS as readonly string[]).includes(protocol))
    throw invalidParameter(`Invalid parameter: Protocol Reason: ${protocol} is not in the embedded cloud`);
  // FIFO topics deliver to SQS queues only
  if (topic.fifo && protocol !== 'sqs')
    throw invalidParameter(`Invalid parameter: Invalid protocol type: ${protocol}`);
}

export function checkEndpoint(protocol: string, endpoint: string): void {
  const ok =
    protocol === 'lambda'
      ? /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/.test(endpoint)
      : protocol === 'sqs'
        ? /^arn:[^:]+:sqs:[^:]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/.test(endpoint)
        : protocol === 'http' || protocol === 'https'
          ? endpoint.toLowerCase().startsWith(`${protocol}://`)
          : /^[^@\s]+@[^@\s]+$/.test(endpoint);
  if (!ok) {
    const what =
      protocol === 'lambda'
        ? 'Lambda endpoint ARN'
        : protocol === 'sqs'
          ? 'SQS endpoint ARN'
          : protocol.startsWith('email')
            ? 'Email address'
            : 'Endpoint must match the specified protocol';
    throw invalidParameter(`Invalid parameter: ${what}`);
  }
}

const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;

export function checkAttributes(attributes: Readonly<Record<string, PublishedAttribute>>): void {
  const entries = Object.entries(attributes);
  if (entries.length > 10)
    throw invalidParameter(
      'Invalid parameter: MessageAttributes Reason: too many message attributes (at most 10)',
    );
  for (const [name, attribute] of entries) {
    const type = attribute.DataType;
    const bad = (reason: string) =>
      new SnsError('ParameterValueInvalid', 400, `The message attribute '${name}' ${reason}`);
    if (!type) throw bad('must contain non-empty message attribute type.');
    if (type !== 'String.Array' && !ATTRIBUTE_TYPE.test(type))
      throw bad(
        `has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    const isBinary = type.startsWith('Binary');
    const value = isBinary ? attribute.BinaryValue : attribute.StringValue;
    if (value === undefined || value === '')
      throw bad(`must contain non-empty message attribute value for message attribute type '${type}'.`);
    if (type.startsWith('Number') && !Number.isFinite(Number(value)))
      throw bad(`with type 'Number' must be a valid number.`);
    if (type === 'String.Array') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        parsed = undefined;
      }
      if (!Array.isArray(parsed)) throw bad(`with type 'String.Array' must be a JSON array.`);
    }
  }
}

export function messageBytes(
  message: string,
  attributes: Readonly<Record<string, PublishedAttribute>>,
): number {
  let bytes = Buffer.byteLength(message);
  for (const [name, a] of Object.entries(attributes))
    bytes +=
      Buffer.byteLength(name) +
      Buffer.byteLength(a.DataType) +
      Buffer.byteLength(a.StringValue ?? a.BinaryValue ?? '');
  return bytes;
}

export function checkJsonStructure(structure: string, message: string): void {
  if (structure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('default' in parsed))
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
}
