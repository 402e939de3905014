import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { S3Error } from '../../../emulator/s3/errors.ts';
import { decodeAwsChunked, parseFormData } from '../../../emulator/s3/http/body.ts';
import { parseRange, readPrecondition } from '../../../emulator/s3/http/conditions.ts';
import { parsePath } from '../../../emulator/s3/http/router.ts';
import { evaluateKey, expiryTime, parseLifecycleXml } from '../../../emulator/s3/lifecycle.ts';
import { compareKeys, listPage, urlEncodeKey } from '../../../emulator/s3/listing.ts';
import {
  checkPartList,
  compositeChecksum,
  MIN_PART_SIZE,
  multipartEtag,
} from '../../../emulator/s3/multipart.ts';
import { planDelete, planPut } from '../../../emulator/s3/versioning.ts';
import { escapeXml, parseXml } from '../../../emulator/s3/xml.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as S3Error).code;
  }
  return 'no error';
};

describe('listing (pure)', () => {
  const keys = ['1999', '1999#', '1999+', 'a/1', 'a/2', 'b', 'c/x/y'].sort(compareKeys);
  const page = (options: Partial<Parameters<typeof listPage>[2]>) =>
    listPage(keys, (k) => k, { prefix: '', delimiter: '', maxKeys: 1000, marker: '', ...options });

  it('orders by UTF-8 bytes', () => {
    expect(keys.slice(0, 3)).toEqual(['1999', '1999#', '1999+']);
    expect(compareKeys('\uFFFD', '\u{1F600}')).toBeLessThan(0); // UTF-16 order would say the opposite
  });
  it('rolls keys into common prefixes and counts both against MaxKeys', () => {
    const first = page({ delimiter: '/', maxKeys: 4 });
    expect(first.entries).toEqual(['1999', '1999#', '1999+']);
    expect(first.commonPrefixes).toEqual(['a/']);
    expect(first.isTruncated).toBe(true);
    const rest = listPage(
      keys.filter((k) => compareKeys(k, 'a/') > 0),
      (k) => k,
      { prefix: '', delimiter: '/', maxKeys: 4, marker: 'a/' },
    );
    expect([rest.entries, rest.commonPrefixes, rest.isTruncated]).toEqual([['b'], ['c/'], false]);
  });
  it('is not truncated when what is left rolls into the prefix already listed', () => {
    expect(page({ prefix: 'a/', delimiter: '', maxKeys: 2 }).isTruncated).toBe(false);
    expect(page({ maxKeys: 0 }).isTruncated).toBe(false);
  });
  it('URL-encodes keys as S3 does for EncodingType=url', () => {
    expect(urlEncodeKey('quux ab/thud+1')).toBe('quux%20ab/thud%2B1');
  });
});

describe('conditions and ranges (pure)', () => {
  const modified = Date.parse('2026-01-02T03:04:05.678Z');
  it('follows RFC 7232 precedence', () => {
    expect(readPrecondition({ ifMatch: '"abc"' }, '"abc"', modified)).toBe(200);
    expect(readPrecondition({ ifMatch: '"zzz"' }, '"abc"', modified)).toBe(412);
    expect(readPrecondition({ ifNoneMatch: '"abc"' }, '"abc"', modified)).toBe(304);
    expect(readPrecondition({ ifModifiedSince: 'Fri, 02 Jan 2026 03:04:05 GMT' }, '"abc"', modified)).toBe(
      304,
    );
    expect(readPrecondition({ ifUnmodifiedSince: 'Fri, 02 Jan 2026 03:04:04 GMT' }, '"abc"', modified)).toBe(
      412,
    );
    // a matching If-Match wins over a failing If-Unmodified-Since
    expect(
      readPrecondition(
        { ifMatch: '"abc"', ifUnmodifiedSince: 'Thu, 01 Jan 2026 00:00:00 GMT' },
        '"abc"',
        modified,
      ),
    ).toBe(200);
  });
  it('reads byte ranges, suffixes included', () => {
    expect(parseRange('bytes=-7', 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange('bytes=4-', 10)).toEqual({ start: 4, end: 9 });
    expect(parseRange('bytes=4-100', 10)).toEqual({ start: 4, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,3-4', 10)).toBeUndefined();
  });
});

describe('multipart (pure)', () => {
  const md5a = '0cc175b9c0f1b6a831c399e269772661';
  const big = { size: MIN_PART_SIZE };
  it('makes S3 ETags: md5 of the binary part md5s, dash, count', () => {
    const expected = createHash('md5')
      .update(Buffer.from(md5a + md5a, 'hex'))
      .digest('hex');
    expect(multipartEtag([`"${md5a}"`, md5a])).toBe(`"${expected}-2"`);
    expect(multipartEtag([md5a, md5a])).toMatch(/^"[0-9a-f]{32}-2"$/);
  });
  it('makes composite checksums of the part checksums (value from ceph/s3-tests)', () => {
    expect(compositeChecksum('sha256', ['arcu6553sHVAiX4MjW0j7I7vD4w6R+Gz9Ok0Q9lTa+0='])).toBe(
      'Ok6Cs5b96ux6+MWQkJO7UBT5sKPBeXBLwvj/hK89smg=-1',
    );
  });
  it('rejects repeated, unordered, unknown and mismatched parts', () => {
    const uploaded = [
      { partNumber: 1, etag: '"a1"', ...big },
      { partNumber: 2, etag: '"a2"', size: 8 },
    ];
    expect(
      code(() =>
        checkPartList(
          [
            { partNumber: 1, etag: 'a1' },
            { partNumber: 1, etag: 'a1' },
          ],
          uploaded,
        ),
      ),
    ).toBe('InvalidPartOrder');
    expect(
      code(() =>
        checkPartList(
          [
            { partNumber: 2, etag: 'a2' },
            { partNumber: 1, etag: 'a1' },
          ],
          uploaded,
        ),
      ),
    ).toBe('InvalidPartOrder');
    expect(code(() => checkPartList([{ partNumber: 3, etag: 'a3' }], uploaded))).toBe('InvalidPart');
    expect(code(() => checkPartList([{ partNumber: 1, etag: 'zz' }], uploaded))).toBe('InvalidPart');
    expect(
      code(() =>
        checkPartList(
          [
            { partNumber: 2, etag: 'a2' },
            { partNumber: 3, etag: 'x' },
          ],
          uploaded,
        ),
      ),
    ).toBe('InvalidPart');
    expect(
      checkPartList(
        [
          { partNumber: 1, etag: 'a1' },
          { partNumber: 2, etag: '"a2"' },
        ],
        uploaded,
      ),
    ).toHaveLength(2);
  });
});

describe('versioning plans (pure)', () => {
  const versions = [
    { versionId: 'v2', deleteMarker: false },
    { versionId: 'null', deleteMarker: false },
  ];
  it('replaces null versions unless versioning is enabled', () => {
    expect(planPut('Unversioned', versions, () => 'new')).toEqual({ versionId: 'null', replaces: ['null'] });
    expect(planPut('Enabled', versions, () => 'new')).toEqual({ versionId: 'new', replaces: [] });
    expect(planDelete('Suspended', versions, undefined, () => 'm')).toEqual({
      kind: 'marker',
      versionId: 'null',
      replaces: ['null'],
    });
    expect(planDelete('Enabled', versions, undefined, () => 'm')).toEqual({
      kind: 'marker',
      versionId: 'm',
      replaces: [],
    });
    expect(planDelete('Enabled', versions, 'gone')).toMatchObject({ kind: 'remove', removedNothing: true });
    expect(planDelete('Unversioned', [], undefined)).toMatchObject({
      kind: 'remove',
      versionId: 'null',
      removedNothing: true,
    });
  });
});

describe('lifecycle (pure)', () => {
  it('rounds expiry up to the next midnight UTC', () => {
    expect(new Date(expiryTime(Date.parse('2014-01-15T10:30:00Z'), 3)).toISOString()).toBe(
      '2014-01-19T00:00:00.000Z',
    );
  });
  it('reads rules and evaluates them per version', () => {
    const rules = parseLifecycleXml(
      parseXml(
        '<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>t</Key><Value>1</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>',
      ),
    );
    expect(rules[0]).toMatchObject({
      prefix: 'p/',
      tags: [{ key: 't', value: '1' }],
      expirationDays: 1,
      noncurrentDays: 2,
      newerNoncurrentVersions: 1,
    });
    const t0 = Date.parse('2026-01-01T12:00:00Z');
    const v = (versionId: string, day: number, tags = { t: '1' }) => ({
      versionId,
      deleteMarker: false,
      lastModified: t0 + day * 86_400_000,
      size: 1,
      tags,
    });
    const versions = [v('c', 2), v('n1', 1), v('n2', 0)];
    expect(evaluateKey(rules, 'p/k', versions, t0 + 2 * 86_400_000)).toEqual([]);
    expect(evaluateKey(rules, 'p/k', versions, t0 + 10 * 86_400_000)).toEqual([
      { kind: 'expire-current', key: 'p/k' },
      { kind: 'remove-version', key: 'p/k', versionId: 'n2' }, // n1 is the one newer noncurrent version kept
    ]);
    expect(evaluateKey(rules, 'other/k', versions, t0 + 10 * 86_400_000)).toEqual([]);
  });
});

describe('wire formats (pure)', () => {
  it('decodes aws-chunked bodies with signatures and trailers', async () => {
    const body = Buffer.from(
      '5;chunk-signature=ab\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:abc=\r\n\r\n',
    );
    const trailers: Record<string, string> = {};
    const source = (async function* () {
      for (let i = 0; i < body.length; i += 3) yield body.subarray(i, i + 3);
    })();
    const out: Buffer[] = [];
    for await (const chunk of decodeAwsChunked(source, trailers)) out.push(chunk);
    expect(Buffer.concat(out).toString()).toBe('hello world');
    expect(trailers).toEqual({ 'x-amz-checksum-crc32': 'abc=' });
  });
  it('parses paths, XML and forms', () => {
    expect(parsePath('/b/a%2Bb/c+d?versionId=1')).toMatchObject({ bucket: 'b', key: 'a+b/c+d' });
    expect(
      parseXml('<Delete><Object><Key> \n </Key></Object></Delete>')?.children[0]?.children[0]?.text,
    ).toBe(' \n ');
    expect(parseXml('<a><b></a>')).toBeNull();
    expect(escapeXml('a\r<&')).toBe('a&#xD;&lt;&amp;');
    const form = Buffer.from(
      '--X\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--X\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\ndata\r\n--X--\r\n',
    );
    expect(
      parseFormData(form, 'multipart/form-data; boundary=X')?.map((p) => [p.name, p.data.toString()]),
    ).toEqual([
      ['key', 'k'],
      ['file', 'data'],
    ]);
  });
});
