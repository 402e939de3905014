import { describe, expect, it } from 'vitest';
import {
  buildEventRecord,
  decodeEventKey,
  encodeEventKey,
  eventNameFor,
  OrderedDelivery,
  parseDeleteObjectsBody,
  SequencerGenerator,
  writeOperationFor,
} from '../../../emulator/s3/event-records.ts';

const request = {
  region: 'eu-west-1',
  sourceIp: '::ffff:127.0.0.1',
  requestId: 'C3D13FE58DE4C810',
  hostId: 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
  principalId: 'AWS:AIDAEXAMPLE',
};

describe('encodeEventKey', () => {
  it.each([
    ['plain/key-1_a.b*c.txt', 'plain/key-1_a.b*c.txt'],
    ['red flower.jpg', 'red+flower.jpg'],
    ['a+b', 'a%2Bb'],
    ['100%', '100%25'],
    ['year=2024/month:01', 'year%3D2024/month%3A01'],
    ['naïve/日本語 ~(x)', 'na%C3%AFve/%E6%97%A5%E6%9C%AC%E8%AA%9E+%7E%28x%29'],
    ['emoji 😀', 'emoji+%F0%9F%98%80'],
  ])('encodes %j as S3 does in events', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeEventKey(encoded)).toBe(key);
    expect(decodeURIComponent(encoded.replace(/\+/g, ' '))).toBe(key);
  });
});

describe('SequencerGenerator', () => {
  it('is strictly increasing within one millisecond and when the clock goes back', () => {
    const times = [1_000, 1_000, 1_000, 999, 1_001, 1_001];
    const generator = new SequencerGenerator(() => times.shift() ?? 1_001);
    const values = Array.from({ length: 6 }, () => generator.next());
    for (const value of values) expect(value).toMatch(/^[0-9A-F]{18}$/);
    // fixed-width uppercase hex: string order is numeric order; distinct and sorted = strictly increasing
    expect(new Set(values).size).toBe(values.length);
    expect(values).toEqual([...values].sort());
  });

  it('continues above the values of an earlier generator (a restarted server)', () => {
    let now = 1_700_000_000_000;
    const before = new SequencerGenerator(() => now);
    let last = '';
    for (let i = 0; i < 1000; i++) last = before.next();
    now += 5;
    expect(new SequencerGenerator(() => now).next() > last).toBe(true);
  });
});

describe('event names', () => {
  it('maps each operation to the name S3 sends', () => {
    expect(eventNameFor('PutObject')).toBe('ObjectCreated:Put');
    expect(eventNameFor('PostObject')).toBe('ObjectCreated:Post');
    expect(eventNameFor('CopyObject')).toBe('ObjectCreated:Copy');
    expect(eventNameFor('CompleteMultipartUpload')).toBe('ObjectCreated:CompleteMultipartUpload');
    expect(eventNameFor('DeleteObject')).toBe('ObjectRemoved:Delete');
    expect(eventNameFor('DeleteObjects')).toBe('ObjectRemoved:Delete');
  });

  it('tells a completed multipart upload from a form POST and a PUT', () => {
    expect(writeOperationFor({ method: 'POST', query: { uploadId: 'abc' } })).toBe('CompleteMultipartUpload');
    expect(writeOperationFor({ method: 'POST', query: {} })).toBe('PostObject');
    expect(writeOperationFor({ method: 'PUT', query: {} })).toBe('PutObject');
  });
});

describe('buildEventRecord', () => {
  const time = new Date('2026-11-22T10:00:00.123Z');

  it('builds a created record with size, unquoted eTag and encoded key', () => {
    const record = buildEventRecord(
      {
        operation: 'CopyObject',
        bucket: 'tracked-bucket',
        key: 'a b+c.txt',
        size: 27,
        eTag: '"0123abcd"',
        sequencer: '0000000000000001',
        time,
      },
      request,
    );
    expect(record).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2026-11-22T10:00:00.123Z',
      eventName: 'ObjectCreated:Copy',
      userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': request.requestId, 'x-amz-id-2': request.hostId },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: expect.any(String),
        bucket: {
          name: 'tracked-bucket',
          ownerIdentity: { principalId: expect.any(String) },
          arn: 'arn:aws:s3:::tracked-bucket',
        },
        object: { key: 'a+b%2Bc.txt', size: 27, eTag: '0123abcd', sequencer: '0000000000000001' },
      },
    });
    expect(Object.keys(record.s3.object)).toEqual(['key', 'size', 'eTag', 'sequencer']);
  });

  it('keeps size 0 and omits size and eTag on removals', () => {
    const created = buildEventRecord(
      { operation: 'PutObject', bucket: 'b-1', key: 'empty', size: 0, eTag: 'd41d8', sequencer: '01', time },
      request,
    );
    expect(created.s3.object.size).toBe(0);
    const removed = buildEventRecord(
      { operation: 'DeleteObjects', bucket: 'b-1', key: 'gone', sequencer: '02', time },
      request,
    );
    expect(removed.eventName).toBe('ObjectRemoved:Delete');
    expect(removed.s3.object).toEqual({ key: 'gone', sequencer: '02' });
  });

  it('refuses a created record without size', () => {
    expect(() =>
      buildEventRecord({ operation: 'PutObject', bucket: 'b-1', key: 'k', sequencer: '01', time }, request),
    ).toThrow(/size and eTag/);
  });
});

describe('parseDeleteObjectsBody', () => {
  it('keeps keys exactly, entities decoded', () => {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      '<Object><Key>2024</Key></Object><Object><Key>0123</Key></Object><Object><Key> padded </Key></Object>' +
      '<Object><Key>a &amp; b &lt;c&gt; &#x0D;&#10;</Key><VersionId>v1</VersionId></Object>' +
      '<Quiet>true</Quiet></Delete>';
    expect(parseDeleteObjectsBody(xml)).toEqual({
      keys: ['2024', '0123', ' padded ', 'a & b <c> \r\n'],
      quiet: true,
    });
  });

  it('rejects a body without objects or with more than 1000', () => {
    expect(parseDeleteObjectsBody('<Delete></Delete>')).toBeNull();
    expect(parseDeleteObjectsBody('<Other/>')).toBeNull();
    const many = Array.from({ length: 1001 }, (_, i) => `<Object><Key>k${i}</Key></Object>`).join('');
    expect(parseDeleteObjectsBody(`<Delete>${many}</Delete>`)).toBeNull();
  });
});

describe('OrderedDelivery', () => {
  it('delivers in order of addition, each after its request finished', () => {
    const delivered: string[] = [];
    const delivery = new OrderedDelivery<string>((item) => delivered.push(item));
    const slow = delivery.begin();
    const fast = delivery.begin();
    delivery.add('slow-1', slow);
    delivery.add('fast-1', fast);
    delivery.finish(fast);
    expect(delivered).toEqual([]);
    expect(delivery.pending).toBe(2);
    delivery.finish(slow);
    expect(delivered).toEqual(['slow-1', 'fast-1']);
    delivery.add('late', slow);
    expect(delivered).toEqual(['slow-1', 'fast-1', 'late']);
  });
});
