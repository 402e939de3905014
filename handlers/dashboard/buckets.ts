import type { LatestPoint } from '../plotting/history-reader.ts';

/** `GET /buckets[?names=a,b]`: the tracked bucket, plus up to this many more buckets with a history. */
export const maxExtraBuckets = 10;

const bucketName = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type ParsedBucketsRequest =
  | { readonly ok: true; readonly buckets: string[] }
  | { readonly ok: false; readonly error: string };

/** Validation (pure): the tracked bucket first, then the named ones, each once. */
export function parseBucketsRequest(
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  trackedBucket: string,
): ParsedBucketsRequest {
  const raw = query?.names;
  const names = raw === undefined || raw === '' ? [] : raw.split(',').map((n) => n.trim());
  if (names.length > maxExtraBuckets) {
    return {
      ok: false,
      error: `query parameter "names" lists ${names.length} buckets: at most ${maxExtraBuckets}`,
    };
  }
  const bad = names.find((n) => !bucketName.test(n) || n.includes('..'));
  if (bad !== undefined) {
    return {
      ok: false,
      error: `query parameter "names" must be comma-separated S3 bucket names, got ${JSON.stringify(bad.slice(0, 80))}`,
    };
  }
  return { ok: true, buckets: [...new Set([trackedBucket, ...names])] };
}

export interface BucketSummary {
  readonly bucket: string;
  readonly tracked: boolean;
  /** Absent when the bucket has no history. */
  readonly totals?: {
    readonly currentBytes: number;
    readonly objectCount: number;
    readonly storedBytes: number;
    readonly storedVersions: number;
    readonly revision: number;
    readonly updated: string;
  };
}

/** A bucket's line of the dashboard, from its newest history point (the totals of its last commit). */
export function bucketSummary(
  bucket: string,
  trackedBucket: string,
  latest: LatestPoint | undefined,
): BucketSummary {
  if (!latest) return { bucket, tracked: bucket === trackedBucket };
  const { point, revision } = latest;
  return {
    bucket,
    tracked: bucket === trackedBucket,
    totals: {
      currentBytes: point.sizeBytes,
      objectCount: point.objectCount,
      storedBytes: point.storedBytes ?? point.sizeBytes,
      storedVersions: point.storedVersions ?? point.objectCount,
      revision,
      updated: new Date(point.timeMs).toISOString(),
    },
  };
}
