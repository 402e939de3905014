import { setTimeout as sleep } from 'node:timers/promises';
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  contribution,
  convergeTo,
  deltaBetween,
  type LedgerEntry,
  type ListedVersion,
  matchesListing,
} from './ledger.ts';
import { type LedgerStore, type LedgerWrite, type Totals, zeroTotals } from './ledger-store.ts';
import { currentOfKey, listedKey, refusesVersionListing, versionsOfKey } from './s3-versions.ts';
import { backoffMs, s3TimeOr } from './tracker.ts';

interface TotalsView {
  readonly sizeBytes: number;
  readonly objectCount: number;
  readonly storedBytes: number;
  readonly storedVersions: number;
}

export interface ReconcileReport {
  readonly bucket: string;
  /** Current objects and bytes the listing saw. */
  readonly listedObjects: number;
  readonly listedBytes: number;
  /** Stored data versions and bytes the listing saw (== current when the bucket lists no versions). */
  readonly listedStoredVersions: number;
  readonly listedStoredBytes: number;
  /** Whether versions were listed (ListObjectVersions) or only current objects (ListObjectsV2). */
  readonly listedVersions: boolean;
  /** Totals before and after; `drift` is what the listing said minus what the tracker had. */
  readonly before: TotalsView;
  readonly after: TotalsView;
  readonly drift: { readonly bytes: number; readonly objects: number; readonly storedBytes: number };
  readonly correctedEntries: number;
  /** Entries written under this reconciliation's epoch: events got there after it started. */
  readonly skippedAsNewer: number;
  readonly epoch: number;
}

// One transaction holds at most 100 items: the totals, a history point and its 7 roll-ups leave 91.
const correctionsPerCommit = 90;

interface Listing {
  readonly keys: Map<string, ListedVersion[]>;
  readonly versioned: boolean;
  /** S3's clock (its Date header) when it answered the first page; undefined if it sent none. */
  readonly s3TimeMs: number | undefined;
}

/**
 * Recounts a bucket from a full listing and corrects the ledger and totals where they drifted.
 *
 * Fenced with logic, not clocks: before listing, the reconciler raises the bucket's epoch in the
 * totals item. Every commit is conditioned on the totals' revision and epoch, and stamps each entry
 * it writes with the epoch it read, so any entry written after the listing started carries the new
 * epoch, and only entries with an older epoch (last written before the listing began, so the
 * listing is at least as new as them) are corrected. A correction records what the listing proved
 * (version ids, ETags, LastModified) and the sequencers the entry had applied, so a late older event
 * is judged against it (stale, explained, or verified with S3), never applied over it.
 */
export class Reconciler {
  constructor(
    private readonly s3: S3Client,
    private readonly store: LedgerStore,
    private readonly now: () => number = Date.now,
  ) {}

  async reconcile(bucket: string): Promise<ReconcileReport> {
    const initial = (await this.store.readConsistent(bucket, [], this.now())).totals;
    const epoch = await this.store.raiseEpoch(bucket);
    const listing = await this.list(bucket);
    // A reconciliation point is stamped with S3's clock, like event points, never the reconciler's.
    const pointMs = s3TimeOr(listing.s3TimeMs, this.now());
    const ledger = new Map<string, LedgerEntry>();
    for await (const entry of this.store.entries(bucket)) ledger.set(entry.key, entry);

    const keys = new Set([...listing.keys.keys(), ...ledger.keys()]);
    const toFix: string[] = [];
    let skippedAsNewer = 0;
    for (const key of keys) {
      const prior = ledger.get(key);
      if (matchesListing(prior, listing.keys.get(key) ?? [])) continue;
      if ((prior?.epoch ?? 0) >= epoch) skippedAsNewer++;
      else toFix.push(key);
    }

    let corrected = 0;
    for (let i = 0; i < toFix.length; i += correctionsPerCommit) {
      corrected += await this.commitChunk(
        bucket,
        toFix.slice(i, i + correctionsPerCommit),
        listing,
        epoch,
        pointMs,
      );
    }
    let final = (await this.store.readConsistent(bucket, [], pointMs)).totals;
    if (!final || final.revision === 0) final = await this.startTracking(bucket, pointMs);

    const listed = { sizeBytes: 0, objectCount: 0, storedBytes: 0, storedVersions: 0 };
    for (const versions of listing.keys.values()) {
      const c = contribution({ key: '', versions, removed: [] } as unknown as LedgerEntry);
      listed.sizeBytes += c.bytes;
      listed.objectCount += c.objects;
      listed.storedBytes += c.storedBytes;
      listed.storedVersions += c.storedVersions;
    }
    const before = view(initial);
    return {
      bucket,
      listedObjects: listed.objectCount,
      listedBytes: listed.sizeBytes,
      listedStoredVersions: listed.storedVersions,
      listedStoredBytes: listed.storedBytes,
      listedVersions: listing.versioned,
      before,
      after: view(final),
      drift: {
        bytes: listed.sizeBytes - before.sizeBytes,
        objects: listed.objectCount - before.objectCount,
        storedBytes: listed.storedBytes - before.storedBytes,
      },
      correctedEntries: corrected,
      skippedAsNewer,
      epoch,
    };
  }

  /**
   * Every version of every key (ListObjectVersions), or every current object (ListObjectsV2) when
   * the bucket refuses version listing. Always EncodingType=url, keys decoded: the SDK's XML parser
   * would turn a key such as " \n " into "".
   */
  private async list(bucket: string): Promise<Listing> {
    const keys = new Map<string, ListedVersion[]>();
    let s3TimeMs: number | undefined;
    const remember = (dateMs: number | undefined) => {
      if (s3TimeMs === undefined && dateMs !== undefined) s3TimeMs = dateMs;
    };
    const fragments = new Map<string, Fragment[]>();
    try {
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      for (;;) {
        const command = new ListObjectVersionsCommand({
          Bucket: bucket,
          EncodingType: 'url',
          ...(keyMarker !== undefined ? { KeyMarker: keyMarker, VersionIdMarker: versionIdMarker } : {}),
        });
        const page: ListObjectVersionsCommandOutput = await this.s3.send(withServerDate(command, remember));
        // A key's versions may straddle pages: gather its fragments, order them once at the end.
        for (const v of page.Versions ?? []) {
          const key = listedKey(v.Key, page.EncodingType);
          fragment(fragments, key).Versions.push({ ...v, Key: key });
        }
        for (const m of page.DeleteMarkers ?? []) {
          const key = listedKey(m.Key, page.EncodingType);
          fragment(fragments, key).DeleteMarkers.push({ ...m, Key: key });
        }
        if (!page.IsTruncated) break;
        keyMarker = listedKey(page.NextKeyMarker, page.EncodingType);
        versionIdMarker = page.NextVersionIdMarker;
      }
      for (const [key, parts] of fragments) keys.set(key, versionsOfKey(key, parts));
      return { keys, versioned: true, s3TimeMs };
    } catch (err) {
      if (!refusesVersionListing(err)) throw err;
    }
    keys.clear();
    let token: string | undefined;
    for (;;) {
      const command = new ListObjectsV2Command({
        Bucket: bucket,
        EncodingType: 'url',
        ...(token ? { ContinuationToken: token } : {}),
      });
      const page: ListObjectsV2CommandOutput = await this.s3.send(withServerDate(command, remember));
      for (const object of page.Contents ?? []) {
        const key = listedKey(object.Key, page.EncodingType);
        if (key === undefined) continue;
        keys.set(key, currentOfKey(key, { Contents: [object], EncodingType: page.EncodingType }));
      }
      if (!page.IsTruncated || !page.NextContinuationToken) break;
      token = page.NextContinuationToken;
    }
    return { keys, versioned: false, s3TimeMs };
  }

  /** Re-reads the chunk's entries and commits their corrections with one history point; retries on conflict. */
  private async commitChunk(
    bucket: string,
    keys: readonly string[],
    listing: Listing,
    epoch: number,
    pointMs: number,
  ): Promise<number> {
    let notBeforeMs = 0;
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.store.readConsistent(bucket, keys, Math.max(pointMs, notBeforeMs));
      const writes: LedgerWrite[] = [];
      let delta = { bytes: 0, objects: 0, storedBytes: 0, storedVersions: 0 };
      for (const key of keys) {
        const prior = snapshot.entries.get(key);
        if ((prior?.epoch ?? 0) >= epoch) continue;
        const listed = listing.keys.get(key) ?? [];
        if (matchesListing(prior, listed)) continue;
        const next = convergeTo(prior, key, listed, '', {
          eventName: 'Reconciliation',
          eventTime: new Date(pointMs).toISOString(),
          contentType: null,
        });
        writes.push({ prior, next });
        const d = deltaBetween(prior, next);
        delta = {
          bytes: delta.bytes + d.bytes,
          objects: delta.objects + d.objects,
          storedBytes: delta.storedBytes + d.storedBytes,
          storedVersions: delta.storedVersions + d.storedVersions,
        };
      }
      if (writes.length === 0) return 0;
      const result = await this.store.commit({ bucket, writes, delta, snapshot, cause: 'Reconciliation' });
      if (result.status === 'committed') return writes.length;
      if (attempt >= 30)
        throw new Error(`reconciliation of ${bucket} kept conflicting with concurrent events; run it again`);
      if (result.status === 'reread') notBeforeMs = result.atMs;
      else await sleep(backoffMs(attempt));
    }
  }

  /** A bucket seen for the first time with nothing in it still gets totals and a first point at zero. */
  private async startTracking(bucket: string, pointMs: number): Promise<Totals> {
    const started = await this.store.startTotals(bucket, pointMs);
    return started ?? zeroTotals;
  }
}

function view(totals: Totals | undefined): TotalsView {
  return {
    sizeBytes: totals?.sizeBytes ?? 0,
    objectCount: totals?.objectCount ?? 0,
    storedBytes: totals?.storedBytes ?? 0,
    storedVersions: totals?.storedVersions ?? 0,
  };
}

interface Fragment {
  readonly Versions: NonNullable<ListObjectVersionsCommandOutput['Versions']>;
  readonly DeleteMarkers: NonNullable<ListObjectVersionsCommandOutput['DeleteMarkers']>;
  readonly EncodingType: undefined;
}

/** A key's share of one listing page (keys already decoded, hence no EncodingType). */
function fragment(fragments: Map<string, Fragment[]>, key: string | undefined): Fragment {
  const name = key ?? '';
  const parts = fragments.get(name) ?? [];
  if (parts.length === 0) fragments.set(name, parts);
  const part: Fragment = { Versions: [], DeleteMarkers: [], EncodingType: undefined };
  parts.push(part);
  return part;
}

/** Lets `onDate` see the HTTP Date header (S3's clock) of the command's answer. */
function withServerDate<C extends { middlewareStack: { add: (...args: never[]) => unknown } }>(
  command: C,
  onDate: (ms: number | undefined) => void,
): C {
  (command.middlewareStack as unknown as { add: (mw: unknown, options: unknown) => void }).add(
    (next: (args: unknown) => Promise<{ response: unknown }>) => async (args: unknown) => {
      const out = await next(args);
      const date = (out.response as { headers?: Record<string, string> }).headers?.date;
      const ms = date ? Date.parse(date) : Number.NaN;
      onDate(Number.isFinite(ms) ? ms : undefined);
      return out;
    },
    { step: 'deserialize', name: 'serverDate' },
  );
  return command;
}
