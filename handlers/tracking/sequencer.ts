/**
 * Orders two S3 `sequencer` values of the SAME key. S3 only promises that, for one key, a later
 * change has a greater sequencer once both are compared as hex strings of equal length: normalise
 * case and right-pad the shorter with zeros. Returns <0, 0 or >0.
 */
export function compareSequencers(a: string, b: string): number {
  const width = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(width, '0');
  const right = b.toUpperCase().padEnd(width, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
