import { readFileSync } from 'node:fs';
import type { S3EventRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  contribution,
  convergeTo,
  decide,
  type LedgerEntry,
  type ListedVersion,
} from '../../handlers/tracking/ledger.ts';
import { type ObjectChange, parseRecord } from '../../handlers/tracking/s3-event.ts';

interface CorpusRecord {
  readonly file: string;
  readonly test: string;
  readonly path: string;
  readonly record: S3EventRecord;
}

const corpus = JSON.parse(
  readFileSync(new URL('./fixtures/aws-s3-event-records.json', import.meta.url), 'utf8'),
) as { records: CorpusRecord[]; versionedScenarioResponses: Record<string, { VersionId?: string }> };

/** Realistic values for the masked ones: 18 upper-case hex digits, increasing per key; ISO times. */
function unmask(record: S3EventRecord, n: number, versionId?: string): S3EventRecord {
  const object = { ...record.s3.object } as S3EventRecord['s3']['object'] & { versionId?: string };
  if (object.sequencer === 'sequencer')
    object.sequencer = `0066A7D6DDD4AD${(0x820a + n).toString(16).toUpperCase()}`;
  if (object.versionId === 'version-id') object.versionId = versionId ?? `masked-version-${n}`;
  return {
    ...record,
    eventTime:
      record.eventTime === 'date'
        ? new Date(Date.UTC(2025, 0, 21, 23, 23, n)).toISOString()
        : record.eventTime,
    s3: { ...record.s3, bucket: { ...record.s3.bucket, name: 'corpus-bucket' }, object },
  };
}

function parsed(record: S3EventRecord): ObjectChange {
  const result = parseRecord(record);
  if (!result.ok) throw new Error(result.reason);
  return result.change;
}

describe('AWS-recorded S3 event records (conformance corpus)', () => {
  it('has every ObjectCreated/ObjectRemoved record of the corpus, and parses each one', () => {
    expect(corpus.records).toHaveLength(27);
    corpus.records.forEach(({ record, test }, i) => {
      const change = parsed(unmask(record, i));
      expect(change.sequencer, test).toMatch(/^[0-9A-F]{18}$/);
      expect(change.needsVerification, test).toBeUndefined();
      expect(change.kind).toBe(
        record.eventName === 'ObjectRemoved:DeleteMarkerCreated'
          ? 'marker'
          : record.eventName.startsWith('ObjectCreated')
            ? 'created'
            : 'removed',
      );
      if (change.kind === 'created') expect(change.sizeBytes).toBe(record.s3.object.size);
      expect('versionId' in change).toBe('versionId' in record.s3.object);
    });
    // S3 form-encodes keys in records: a@b arrives as a%40b.
    const encoded = corpus.records.find((r) => r.test === 'test_key_encoding') as CorpusRecord;
    expect(parsed(unmask(encoded.record, 0)).key).toBe('a@b');
    // A multipart eTag keeps its -<parts> suffix.
    const multipart = corpus.records.find(
      (r) => r.record.eventName === 'ObjectCreated:CompleteMultipartUpload',
    );
    expect(parsed(unmask(multipart?.record as S3EventRecord, 0)).eTag).toMatch(/-1$/);
  });

  describe('test_object_created_put_versioned, step by step', () => {
    const versioned = corpus.records.filter((r) => r.test === 'test_object_created_put_versioned');
    const responses = corpus.versionedScenarioResponses;
    const id = (name: string) => responses[name]?.VersionId as string;
    const byTag = (tag: string) =>
      versioned.find((r) => r.record.s3.object.eTag === tag)?.record as S3EventRecord;
    const byName = (name: string, path: string) =>
      versioned.find((r) => r.record.eventName === name && r.path.includes(path))?.record as S3EventRecord;
    // The operations in the order the test made them (its API answers), each with its record.
    const steps: { step: string; record: S3EventRecord; versionId?: string; totals: number[] }[] = [
      {
        step: 'put v1 (4 B)',
        record: byTag('8d777f385d3dfec8815d20f7496026dc'),
        versionId: id('obj-ver1'),
        totals: [4, 1, 4, 1],
      },
      {
        step: 'put v2 (13 B)',
        record: byTag('6869c34ca384e0ed836d49214f881e87'),
        versionId: id('obj-ver2'),
        totals: [13, 1, 17, 2],
      },
      {
        step: 'delete the key: marker v3',
        record: byName('ObjectRemoved:DeleteMarkerCreated', 'active'),
        versionId: id('delete-marker'),
        totals: [0, 0, 17, 2],
      },
      {
        step: 'delete v1 by version id',
        record: byName('ObjectRemoved:Delete', 'active'),
        versionId: id('delete-version'),
        totals: [0, 0, 13, 1],
      },
      {
        step: 'versioning suspended: put the null version (13 B)',
        record: byTag('2fb1d4988881168bbcd6432d7593be5a'),
        totals: [13, 1, 26, 2],
      },
      {
        step: 'delete marker v3 by version id (noncurrent: nothing changes in the totals)',
        record: byName('ObjectRemoved:Delete', 'suspended'),
        versionId: id('del-delete-marker'),
        totals: [13, 1, 26, 2],
      },
    ];
    const changes = steps.map(({ record, versionId }, i) => parsed(unmask(record, i, versionId)));

    // What S3 holds once every operation is done (records arriving out of order arrive after it).
    const s3AtTheEnd: ListedVersion[] = [
      { versionId: 'null', marker: false, sizeBytes: 13, eTag: '2fb1d4988881168bbcd6432d7593be5a' },
      { versionId: id('obj-ver2'), marker: false, sizeBytes: 13, eTag: '6869c34ca384e0ed836d49214f881e87' },
    ];

    function applyAll(
      order: readonly number[],
      s3?: readonly ListedVersion[],
    ): { entry: LedgerEntry | undefined; after: number[][]; verified: number } {
      let entry: LedgerEntry | undefined;
      const after: number[][] = [];
      let verified = 0;
      for (const i of order) {
        const change = changes[i] as ObjectChange;
        const decision = decide(entry, change, null);
        if (decision.action === 'verify') {
          if (!s3) throw new Error(`step ${i} needed S3: ${decision.reason}`);
          verified++;
          entry = convergeTo(entry, change.key, s3, change.sequencer, { ...change, contentType: null });
        }
        if (decision.action === 'apply') entry = decision.next;
        const c = contribution(entry);
        after.push([c.bytes, c.objects, c.storedBytes, c.storedVersions]);
      }
      return { entry, after, verified };
    }

    it('the masked records stand for the versions the API answers name', () => {
      expect(new Set(steps.map((s) => s.versionId).filter(Boolean))).toEqual(
        new Set([id('obj-ver1'), id('obj-ver2'), id('delete-marker')]),
      );
      expect(steps.every((s) => s.record)).toBe(true);
      expect(changes[4]?.versionId).toBeUndefined();
    });

    it('gives current and stored totals after each step, in order', () => {
      const { after } = applyAll([0, 1, 2, 3, 4, 5]);
      expect(after).toEqual(steps.map((s) => s.totals));
    });

    it('ends at the same totals whatever the delivery order, with every record delivered twice', () => {
      for (const order of [
        [1, 0, 3, 2, 4, 5],
        [5, 4, 3, 2, 1, 0],
        [3, 2, 0, 5, 1, 4],
        [0, 0, 1, 1, 2, 3, 3, 2, 4, 5, 5, 4],
      ]) {
        const { after, verified } = applyAll([...order, ...order], s3AtTheEnd);
        expect(after.at(-1), order.join(',')).toEqual([13, 1, 26, 2]);
        // S3 is asked only when a removal names a version the ledger has not seen yet.
        expect(verified).toBeLessThanOrEqual(2);
      }
    });
  });
});
