import { createHash } from 'node:crypto';

/**
 * Physical names the way CloudFormation makes them (`<stack>-<logicalId>-<random suffix>`), except
 * that the "random" suffix is derived from a per-state-directory seed: a restart on the same state
 * directory finds the same buckets and tables again. Pure.
 */
export interface NameRequest {
  readonly seed: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly maxLength: number;
  /** S3 bucket names: lowercase, only [a-z0-9-], starting and ending with a letter or digit. */
  readonly lowercase?: boolean;
}

const SUFFIX_LENGTH = 12;

/** A deterministic id of `length` characters from [a-z0-9] (API ids, suffixes). */
export function shortId(seed: string, parts: readonly string[], length = 10): string {
  let out = '';
  for (let round = 0; out.length < length; round++) {
    const digest = createHash('sha256')
      .update([seed, ...parts, String(round)].join('\0'))
      .digest();
    for (const byte of digest) out += '0123456789abcdefghijklmnopqrstuvwxyz'[byte % 36];
  }
  return out.slice(0, length);
}

export function physicalName(request: NameRequest): string {
  const { seed, stack, logicalId, maxLength, lowercase = false } = request;
  const rawSuffix = shortId(seed, [stack, logicalId], SUFFIX_LENGTH);
  const suffix = lowercase ? rawSuffix : rawSuffix.toUpperCase();
  const clean = (text: string) => (lowercase ? text.toLowerCase().replace(/[^a-z0-9-]/g, '-') : text);
  let stackPart = clean(stack);
  let logicalPart = clean(logicalId);
  const budget = maxLength - SUFFIX_LENGTH - 2;
  // trim the longer part first, as CloudFormation keeps both recognisable
  while (stackPart.length + logicalPart.length > budget) {
    if (stackPart.length >= logicalPart.length) stackPart = stackPart.slice(0, -1);
    else logicalPart = logicalPart.slice(0, -1);
  }
  let name = `${stackPart}-${logicalPart}-${suffix}`;
  if (lowercase) name = name.replace(/^[^a-z0-9]+/, '');
  return name;
}
