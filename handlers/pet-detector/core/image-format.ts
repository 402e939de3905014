/** The format of image bytes, from their first bytes (the seed's ImageFormat): not from the key or type. */
export function imageFormat(bytes: Uint8Array): 'jpg' | 'png' | 'gif' | 'webp' | 'unknown' {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'jpg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45) return 'webp';
  return 'unknown';
}
