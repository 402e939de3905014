/** A DynamoDB stream image (attribute values as JSON, as Lambda delivers them) as a plain object. */
export function fromImage(image: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, fromValue(value)]));
}

function fromValue(value: unknown): unknown {
  const v = value as Record<string, unknown>;
  if ('S' in v) return v.S;
  if ('N' in v) return Number(v.N);
  if ('BOOL' in v) return v.BOOL;
  if ('NULL' in v) return null;
  if ('M' in v) return fromImage(v.M as Record<string, unknown>);
  if ('L' in v) return (v.L as unknown[]).map(fromValue);
  if ('SS' in v) return v.SS;
  if ('NS' in v) return (v.NS as string[]).map(Number);
  if ('B' in v) return v.B;
  throw new Error(`unknown attribute value ${JSON.stringify(value)}`);
}
