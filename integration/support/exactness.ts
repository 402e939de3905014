import { ListObjectVersionsCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { HISTORY, LEDGER } from '../../handlers/shared/schema.ts';
import { pointFromItem, rollupFromItem } from '../../handlers/tracking/history-items.ts';
import { entryId } from '../../handlers/tracking/ledger-items.ts';
import {
  mergeRollup,
  type Rollup,
  type RollupLevel,
  rollupLevelsSeconds,
  rollupPartition,
} from '../../handlers/tracking/rollups.ts';
import { listedKey } from '../../handlers/tracking/s3-versions.ts';

/**
 * Checks that what the tracker holds for a bucket agrees with the bucket itself: the fault campaign
 * and the crash-restart test use them. Each returns readable problems (empty when all is well).
 */
export interface TrackerTables {
  readonly history: string;
  readonly ledger: string;
}

export interface Stores {
  readonly s3: S3Client;
  readonly documents: DynamoDBDocumentClient;
  readonly tables: TrackerTables;
}

/** A fresh full listing: key -> size. */
export async function listBucket(s3: S3Client, bucket: string): Promise<Map<string, number>> {
  const keys = new Map<string, number>();
  // URL-encoded: the SDK's XML parsing would turn a key like " \n " into ""
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, EncodingType: 'url' })) {
    for (const object of page.Contents ?? [])
      keys.set(listedKey(object.Key, page.EncodingType) ?? '', object.Size ?? 0);
  }
  return keys;
}

/** Every version S3 keeps (delete markers apart): what S3 bills and CloudWatch's BucketSizeBytes counts. */
export async function listVersions(
  s3: S3Client,
  bucket: string,
): Promise<{ sizeBytes: number; versions: number; deleteMarkers: number }> {
  let sizeBytes = 0;
  let versions = 0;
  let deleteMarkers = 0;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    for (const version of page.Versions ?? []) {
      sizeBytes += version.Size ?? 0;
      versions++;
    }
    deleteMarkers += page.DeleteMarkers?.length ?? 0;
    if (!page.IsTruncated) break;
    KeyMarker = page.NextKeyMarker;
    VersionIdMarker = page.NextVersionIdMarker;
  }
  return { sizeBytes, versions, deleteMarkers };
}

/**
 * Stored totals (`stored_bytes`, `stored_versions` of the totals item; absent means equal to the
 * current ones) against a ListObjectVersions recount. Readable problems, empty when they agree.
 */
export async function checkStoredTotals(stores: Stores, bucket: string): Promise<string[]> {
  const listed = await listVersions(stores.s3, bucket);
  const out = await stores.documents.send(
    new GetCommand({
      TableName: stores.tables.ledger,
      Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return ['no totals item'];
  const storedBytes = Number(out.Item.stored_bytes ?? out.Item.size_bytes);
  const storedVersions = Number(out.Item.stored_versions ?? out.Item.object_count);
  if (storedBytes === listed.sizeBytes && storedVersions === listed.versions) return [];
  return [
    `stored totals ${storedBytes} B / ${storedVersions} versions, ListObjectVersions ${listed.sizeBytes} B / ${listed.versions} versions`,
  ];
}

export async function totalsItem(
  stores: Stores,
  bucket: string,
): Promise<{ sizeBytes: number; objectCount: number; revision: number } | undefined> {
  const out = await stores.documents.send(
    new GetCommand({
      TableName: stores.tables.ledger,
      Key: { [LEDGER.partitionKey]: bucket, [LEDGER.sortKey]: LEDGER.totalsEntry },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  return {
    sizeBytes: Number(out.Item.size_bytes),
    objectCount: Number(out.Item.object_count),
    revision: Number(out.Item.revision),
  };
}

/** Every item of a partition (partition key attribute `bucket` in both tables). */
async function partition(
  documents: DynamoDBDocumentClient,
  table: string,
  bucket: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const pages = paginateQuery(
    { client: documents },
    {
      TableName: table,
      KeyConditionExpression: '#b = :b',
      ExpressionAttributeNames: { '#b': 'bucket' },
      ExpressionAttributeValues: { ':b': bucket },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

export interface RawHistoryPoint {
  readonly ts: string;
  readonly revision: number;
  readonly sizeBytes: number;
  readonly objectCount: number;
  readonly item: Record<string, unknown>;
}

/** The bucket's history points (partition = bucket; roll-ups live in other partitions), in ts order. */
export async function historyPoints(stores: Stores, bucket: string): Promise<RawHistoryPoint[]> {
  return (await partition(stores.documents, stores.tables.history, bucket)).map((item) => ({
    ts: String(item[HISTORY.sortKey]),
    revision: Number(item.revision),
    sizeBytes: Number(item.size_bytes),
    objectCount: Number(item.object_count),
    item,
  }));
}

export interface BucketCheck {
  readonly listing: { sizeBytes: number; objectCount: number };
  readonly totals: { sizeBytes: number; objectCount: number; revision: number } | undefined;
  readonly historyPoints: number;
  readonly ledgerEntries: number;
  readonly problems: string[];
}

/** Every level's roll-up items are what merging the history points in commit order gives. */
export async function checkRollups(
  stores: Stores,
  bucket: string,
  points: readonly RawHistoryPoint[],
): Promise<string[]> {
  const problems: string[] = [];
  for (const level of rollupLevelsSeconds) {
    const expected = new Map<number, Rollup>();
    let newest: Rollup | undefined;
    for (const point of points) {
      newest = mergeRollup(newest, pointFromItem(point.item), level);
      expected.set(newest.slotMs, newest);
    }
    const items = await partition(stores.documents, stores.tables.history, rollupPartition(bucket, level));
    const stored = items.map((item) => rollupFromItem(item, level as RollupLevel));
    if (stored.length !== expected.size)
      problems.push(`level ${level}s: ${stored.length} roll-ups stored, the points give ${expected.size}`);
    const off = stored.find((rollup) => !sameRollup(rollup, expected.get(rollup.slotMs)));
    if (off)
      problems.push(
        `level ${level}s: the roll-up of ${new Date(off.slotMs).toISOString()} differs from its points'`,
      );
  }
  return problems;
}

function sameRollup(a: Rollup | undefined, b: Rollup | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Totals equal a fresh listing; the ledger matches the bucket key by key (every listed key present
 * with its size, every 'present' entry listed); the history has distinct sort keys and distinct,
 * contiguous revisions 1..N ending at the totals' revision and values.
 */
export async function checkBucket(stores: Stores, bucket: string): Promise<BucketCheck> {
  const problems: string[] = [];
  const listed = await listBucket(stores.s3, bucket);
  let sizeBytes = 0;
  for (const size of listed.values()) sizeBytes += size;
  const listing = { sizeBytes, objectCount: listed.size };

  const totals = await totalsItem(stores, bucket);
  if (!totals) problems.push('no totals item');
  else if (totals.sizeBytes !== listing.sizeBytes || totals.objectCount !== listing.objectCount)
    problems.push(
      `totals ${totals.sizeBytes} B / ${totals.objectCount} objects, listing ${listing.sizeBytes} B / ${listing.objectCount} objects`,
    );

  const ledger = (await partition(stores.documents, stores.tables.ledger, bucket)).filter((item) =>
    String(item[LEDGER.sortKey]).startsWith(LEDGER.anyObjectPrefix),
  );
  const present = new Map<string, number>();
  for (const item of ledger) {
    const key = String(item.key);
    if (item[LEDGER.sortKey] !== entryId(key))
      problems.push(`ledger entry ${String(item[LEDGER.sortKey])} holds key ${JSON.stringify(key)}`);
    if (item.state === 'present') present.set(key, Number(item.size_bytes));
    else if (item.state !== 'deleted')
      problems.push(`ledger entry for ${JSON.stringify(key)}: state ${item.state}`);
  }
  for (const [key, size] of listed) {
    if (!present.has(key))
      problems.push(`listed ${JSON.stringify(key)} (${size} B) is not present in the ledger`);
    else if (present.get(key) !== size)
      problems.push(`ledger has ${JSON.stringify(key)} at ${present.get(key)} B, listing ${size} B`);
  }
  for (const key of present.keys()) {
    if (!listed.has(key)) problems.push(`ledger has ${JSON.stringify(key)} present, the listing does not`);
  }

  const points = await historyPoints(stores, bucket);
  const sortKeys = new Set(points.map((point) => point.ts));
  if (sortKeys.size !== points.length)
    problems.push(`${points.length - sortKeys.size} duplicate history sort keys`);
  const revisions = points.map((point) => point.revision).sort((a, b) => a - b);
  if (new Set(revisions).size !== revisions.length)
    problems.push(`${revisions.length - new Set(revisions).size} duplicate history revisions`);
  const gaps = revisions.filter((revision, i) => revision !== i + 1);
  if (gaps.length > 0)
    problems.push(`history revisions are not 1..${revisions.length}: first off ${gaps[0]}`);
  // in ts order, revisions increase (commit order)
  for (let i = 1; i < points.length; i++) {
    const [before, after] = [points[i - 1], points[i]];
    if (before && after && after.revision <= before.revision) {
      problems.push(
        `history point ${after.ts} (revision ${after.revision}) sorts after revision ${before.revision}`,
      );
      break;
    }
  }
  problems.push(...(await checkRollups(stores, bucket, points)));
  const last = points.at(-1);
  if (totals && last) {
    if (last.revision !== totals.revision)
      problems.push(`last history revision ${last.revision}, totals revision ${totals.revision}`);
    if (last.sizeBytes !== totals.sizeBytes || last.objectCount !== totals.objectCount)
      problems.push(`last history point ${last.sizeBytes} B / ${last.objectCount}, totals differ`);
  }
  return { listing, totals, historyPoints: points.length, ledgerEntries: ledger.length, problems };
}
