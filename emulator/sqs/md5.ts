import { createHash } from 'node:crypto';

/**
 * The digests SQS returns with SendMessage and ReceiveMessage, which the AWS SDKs check: the MD5 of
 * the body's UTF-8 bytes, and of the message attributes encoded as SQS documents it (names sorted;
 * for each: length-prefixed name, length-prefixed data type, a transport byte (1 string/number,
 * 2 binary), length-prefixed value; lengths are 4-byte big-endian). Pure.
 */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  /** base64, as both protocols carry it. */
  readonly BinaryValue?: string;
}

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** MD5OfMessageAttributes (and, over AWSTraceHeader, MD5OfMessageSystemAttributes); undefined when none. */
export function md5OfAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const parts: Buffer[] = [];
  for (const name of names) {
    const attribute = attributes[name] as MessageAttributeValue;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')));
    parts.push(lengthPrefixed(Buffer.from(attribute.DataType, 'utf8')));
    if (attribute.DataType.startsWith('Binary')) {
      parts.push(Buffer.from([2]));
      parts.push(lengthPrefixed(Buffer.from(attribute.BinaryValue ?? '', 'base64')));
    } else {
      parts.push(Buffer.from([1]));
      parts.push(lengthPrefixed(Buffer.from(attribute.StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
