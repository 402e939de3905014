import { describe, expect, it } from 'vitest';
import {
  currentOfKey,
  listedKey,
  refusesVersionListing,
  versionsOfKey,
} from '../../handlers/tracking/s3-versions.ts';

describe('what S3 says about one key (pure)', () => {
  it('decodes url-encoded listing keys, so " \\n " stays " \\n " (the SDK would make it "")', () => {
    expect(listedKey('+%0A+', 'url')).toBe(' \n ');
    expect(listedKey('a%2Bb+c', 'url')).toBe('a+b c');
    // A server that ignored EncodingType says so by leaving it out: keys are taken as sent.
    expect(listedKey('a%2Bb', undefined)).toBe('a%2Bb');
  });

  it('keeps exact-key versions and markers, current first, then newest LastModified', () => {
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    const versions = versionsOfKey('k', [
      {
        EncodingType: 'url',
        Versions: [
          { Key: 'k', VersionId: 'v1', Size: 4, ETag: '"e1"', IsLatest: false, LastModified: t(1) },
          { Key: 'k', VersionId: 'v2', Size: 13, ETag: '"e2"', IsLatest: false, LastModified: t(2) },
          { Key: 'k+', VersionId: 'x', Size: 99, IsLatest: true, LastModified: t(9) },
          { Key: 'k%2F', VersionId: 'y', Size: 99, IsLatest: true, LastModified: t(9) },
        ],
        DeleteMarkers: [{ Key: 'k', VersionId: 'm3', IsLatest: true, LastModified: t(3) }],
      },
    ]);
    expect(versions.map((v) => [v.versionId, v.marker, v.sizeBytes])).toEqual([
      ['m3', true, 0],
      ['v2', false, 13],
      ['v1', false, 4],
    ]);
    expect(versions[1]?.eTag).toBe('e2');
  });

  it('reads the current object of a key from an unversioned listing, or none', () => {
    const page = { EncodingType: 'url' as const, Contents: [{ Key: 'a+b', Size: 3, ETag: '"e"' }] };
    expect(currentOfKey('a b', page)).toMatchObject([{ versionId: 'null', sizeBytes: 3, eTag: 'e' }]);
    expect(currentOfKey('a+b', page)).toEqual([]);
  });

  it('falls back to ListObjectsV2 only when the server refuses version listing', () => {
    expect(refusesVersionListing({ name: 'MethodNotAllowed', $metadata: { httpStatusCode: 405 } })).toBe(
      true,
    );
    expect(refusesVersionListing({ name: 'NotImplemented', $metadata: { httpStatusCode: 501 } })).toBe(true);
    expect(refusesVersionListing({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
  });
});
