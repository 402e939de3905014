/**
 * The embedded S3's metadata: buckets, object versions, multipart uploads, in `node:sqlite` (WAL).
 * A row is the acknowledgement: bodies are written first (blobs.ts), then one transaction makes
 * the change visible, assigns its event sequencer and is committed before the HTTP answer. Keys are
 * TEXT compared with SQLite's BINARY collation, which is UTF-8 byte order: S3's listing order.
 * Synchronous by design: one statement at a time in the child's event loop, so a check and the
 * write it guards (a precondition, a version id) cannot interleave with another request.
 */

import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { BlobStore } from './blobs.ts';
import { S3Error } from './errors.ts';
import type { S3EventName } from './event-records.ts';
import { planDelete, planPut, type VersioningState } from './versioning.ts';

export interface ObjectMetadata {
  contentType?: string;
  /** content-encoding, content-disposition, content-language, cache-control, expires */
  headers: Record<string, string>;
  /** x-amz-meta-* without the prefix, lower-case names. */
  user: Record<string, string>;
  checksum?: { algorithm: string; value: string };
  /** Sizes of the parts of a completed multipart upload (GET/HEAD ?partNumber=). */
  partSizes?: number[];
  storageClass?: string;
}

export interface VersionRow {
  seq: number;
  bucket: string;
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  etag: string;
  blob: string | null;
  lastModified: number;
  metadata: ObjectMetadata;
  tags: Record<string, string>;
  parts: number | null;
}

export interface BucketRow {
  name: string;
  created: number;
  versioning: VersioningState;
  /** The lifecycle configuration's rules, as JSON (lifecycle.ts), or null. */
  lifecycle: string | null;
  /** Other configurations (policy, cors, tagging, ...), kept and given back, never enforced. */
  configs: Record<string, string>;
}

/** One object change, with what the event record needs. */
export interface Change {
  eventName: S3EventName;
  bucket: string;
  key: string;
  size?: number;
  eTag?: string;
  /** Present exactly when the bucket is (or was) versioned. */
  versionId?: string;
  /** A delete that removed nothing and created no marker (S3 still sends its event). */
  removedNothing: boolean;
  /** The delete API the change came from, set by the request handler (LocalStack treats the two apart). */
  operation?: 'DeleteObject' | 'DeleteObjects';
  sequencer: string;
  time: number;
}

export interface NewVersion {
  size: number;
  etag: string;
  blob: string;
  metadata: ObjectMetadata;
  tags: Record<string, string>;
  parts?: number;
}

export interface UploadRow {
  uploadId: string;
  bucket: string;
  key: string;
  initiated: number;
  metadata: ObjectMetadata;
  tags: Record<string, string>;
}

export interface PartRow {
  partNumber: number;
  etag: string;
  size: number;
  blob: string;
  lastModified: number;
  /** The part's checksum (base64) when the upload has a checksum algorithm. */
  checksum?: string;
}

type Row = Record<string, unknown>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, created INTEGER NOT NULL,
  versioning TEXT NOT NULL DEFAULT 'Unversioned', lifecycle TEXT, configs TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS versions (seq INTEGER PRIMARY KEY AUTOINCREMENT, bucket TEXT NOT NULL,
  key TEXT NOT NULL, version_id TEXT NOT NULL, is_latest INTEGER NOT NULL, delete_marker INTEGER NOT NULL,
  size INTEGER NOT NULL, etag TEXT NOT NULL, blob TEXT, last_modified INTEGER NOT NULL,
  metadata TEXT NOT NULL, tags TEXT NOT NULL, parts INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS versions_by_id ON versions (bucket, key, version_id);
CREATE INDEX IF NOT EXISTS versions_by_key ON versions (bucket, key, seq);
CREATE INDEX IF NOT EXISTS versions_current ON versions (bucket, is_latest, key);
CREATE INDEX IF NOT EXISTS versions_by_blob ON versions (blob);
CREATE TABLE IF NOT EXISTS uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key TEXT NOT NULL,
  initiated INTEGER NOT NULL, metadata TEXT NOT NULL, tags TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, etag TEXT NOT NULL,
  size INTEGER NOT NULL, blob TEXT NOT NULL, last_modified INTEGER NOT NULL, checksum TEXT,
  PRIMARY KEY (upload_id, part_number));
CREATE INDEX IF NOT EXISTS parts_by_blob ON parts (blob);
CREATE TABLE IF NOT EXISTS completed_uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL,
  key TEXT NOT NULL, etag TEXT NOT NULL, version_id TEXT NOT NULL, parts TEXT NOT NULL);
`;

function toVersion(row: Row): VersionRow {
  return {
    seq: Number(row.seq),
    bucket: String(row.bucket),
    key: String(row.key),
    versionId: String(row.version_id),
    isLatest: Number(row.is_latest) === 1,
    deleteMarker: Number(row.delete_marker) === 1,
    size: Number(row.size),
    etag: String(row.etag),
    blob: row.blob === null ? null : String(row.blob),
    lastModified: Number(row.last_modified),
    metadata: JSON.parse(String(row.metadata)) as ObjectMetadata,
    tags: JSON.parse(String(row.tags)) as Record<string, string>,
    parts: row.parts === null ? null : Number(row.parts),
  };
}

function toBucket(row: Row): BucketRow {
  return {
    name: String(row.name),
    created: Number(row.created),
    versioning: String(row.versioning) as VersioningState,
    lifecycle: row.lifecycle === null ? null : String(row.lifecycle),
    configs: JSON.parse(String(row.configs)) as Record<string, string>,
  };
}

export interface StoreOptions {
  directory: string;
  /** The emulated clock (ms since the epoch). */
  now: () => number;
  /** The next event sequencer (strictly increasing). */
  nextSequencer: () => string;
  /** fsync bodies and commits (default true); false keeps only what survives a killed process. */
  syncWrites?: boolean;
}

export class Store {
  readonly db: DatabaseSync;
  readonly blobs: BlobStore;
  readonly #now: () => number;
  readonly #nextSequencer: () => string;
  readonly #statements = new Map<string, StatementSync>();

  constructor(options: StoreOptions) {
    this.db = new DatabaseSync(join(options.directory, 'metadata.sqlite'));
    // WAL: a commit survives a killed process either way; FULL also fsyncs it for power loss
    const synchronous = options.syncWrites === false ? 'NORMAL' : 'FULL';
    this.db.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = 5000;`,
    );
    this.db.exec(SCHEMA);
    this.blobs = new BlobStore(options.directory, options.syncWrites !== false);
    this.#now = options.now;
    this.#nextSequencer = options.nextSequencer;
    const referenced = new Set<string>();
    for (const row of this.#q(
      'SELECT blob FROM versions WHERE blob IS NOT NULL UNION SELECT blob FROM parts',
    ).iterate()) {
      referenced.add(String((row as Row).blob));
    }
    this.blobs.sweep(referenced);
  }

  close(): void {
    this.db.close();
  }

  #q(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `body` in one transaction (BEGIN IMMEDIATE ... COMMIT; rolled back when it throws). */
  transaction<T>(body: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = body();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  getMeta(name: string): string | undefined {
    const row = this.#q('SELECT value FROM meta WHERE name = ?').get(name) as Row | undefined;
    return row ? String(row.value) : undefined;
  }

  setMeta(name: string, value: string): void {
    this.#q(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    ).run(name, value);
  }

  // --- buckets ---------------------------------------------------------------------------------

  listBuckets(): BucketRow[] {
    return (this.#q('SELECT * FROM buckets ORDER BY name').all() as Row[]).map(toBucket);
  }

  findBucket(name: string): BucketRow | undefined {
    const row = this.#q('SELECT * FROM buckets WHERE name = ?').get(name) as Row | undefined;
    return row ? toBucket(row) : undefined;
  }

  bucket(name: string): BucketRow {
    const found = this.findBucket(name);
    if (!found) throw new S3Error('NoSuchBucket', undefined, { BucketName: name });
    return found;
  }

  createBucket(name: string): void {
    if (this.findBucket(name)) throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: name });
    this.#q('INSERT INTO buckets (name, created) VALUES (?, ?)').run(name, this.#now());
  }

  deleteBucket(name: string): void {
    this.bucket(name);
    const any = this.#q('SELECT 1 FROM versions WHERE bucket = ? LIMIT 1').get(name);
    if (any) throw new S3Error('BucketNotEmpty', undefined, { BucketName: name });
    const uploads = this.#q('SELECT upload_id FROM uploads WHERE bucket = ?').all(name) as Row[];
    this.transaction(() => {
      for (const upload of uploads)
        this.#q('DELETE FROM parts WHERE upload_id = ?').run(String(upload.upload_id));
      this.#q('DELETE FROM uploads WHERE bucket = ?').run(name);
      this.#q('DELETE FROM buckets WHERE name = ?').run(name);
    });
  }

  setVersioning(name: string, state: 'Enabled' | 'Suspended'): void {
    this.bucket(name);
    this.#q('UPDATE buckets SET versioning = ? WHERE name = ?').run(state, name);
  }

  setLifecycle(name: string, rulesJson: string | null): void {
    this.bucket(name);
    this.#q('UPDATE buckets SET lifecycle = ? WHERE name = ?').run(rulesJson, name);
  }

  setConfig(name: string, config: string, body: string | undefined): void {
    const configs = { ...this.bucket(name).configs };
    if (body === undefined) delete configs[config];
    else configs[config] = body;
    this.#q('UPDATE buckets SET configs = ? WHERE name = ?').run(JSON.stringify(configs), name);
  }

  // --- versions --------------------------------------------------------------------------------

  /** Versions of one key, newest first. */
  versionsOf(bucket: string, key: string): VersionRow[] {
    return (
      this.#q('SELECT * FROM versions WHERE bucket = ? AND key = ? ORDER BY seq DESC').all(
        bucket,
        key,
      ) as Row[]
    ).map(toVersion);
  }

  /** The latest version of a key (maybe a delete marker), or the named version. */
  findVersion(bucket: string, key: string, versionId?: string): VersionRow | undefined {
    const row =
      versionId === undefined
        ? this.#q('SELECT * FROM versions WHERE bucket = ? AND key = ? AND is_latest = 1').get(bucket, key)
        : this.#q('SELECT * FROM versions WHERE bucket = ? AND key = ? AND version_id = ?').get(
            bucket,
            key,
            versionId,
          );
    return row ? toVersion(row as Row) : undefined;
  }

  /** Current objects (latest, not delete markers) with keys after `after` and from `from` on. */
  *currentObjects(bucket: string, from: string, after: string): Generator<VersionRow> {
    const rows = this.#q(
      'SELECT * FROM versions WHERE bucket = ? AND is_latest = 1 AND delete_marker = 0 AND key >= ? AND key > ? ORDER BY key',
    ).iterate(bucket, from, after);
    for (const row of rows) yield toVersion(row as Row);
  }

  /** Every version, by key then newest first, starting after (keyMarker, versionIdMarker). */
  *allVersions(
    bucket: string,
    from: string,
    keyMarker: string,
    versionIdMarker: string,
  ): Generator<VersionRow> {
    if (keyMarker && versionIdMarker) {
      const marker = this.findVersion(bucket, keyMarker, versionIdMarker);
      if (marker) {
        const rows = this.#q(
          'SELECT * FROM versions WHERE bucket = ? AND key = ? AND seq < ? ORDER BY seq DESC',
        ).iterate(bucket, keyMarker, marker.seq);
        for (const row of rows) {
          const version = toVersion(row as Row);
          if (version.key >= from) yield version;
        }
      }
    }
    const rows = this.#q(
      'SELECT * FROM versions WHERE bucket = ? AND key >= ? AND key > ? ORDER BY key, seq DESC',
    ).iterate(bucket, from, keyMarker);
    for (const row of rows) yield toVersion(row as Row);
  }

  #afterChange(bucket: string, key: string): void {
    this.#q(
      'UPDATE versions SET is_latest = (seq = (SELECT max(seq) FROM versions WHERE bucket = ?1 AND key = ?2)) WHERE bucket = ?1 AND key = ?2',
    ).run(bucket, key);
  }

  #removeVersion(bucket: string, key: string, versionId: string): string | null {
    const row = this.findVersion(bucket, key, versionId);
    if (!row) return null;
    this.#q('DELETE FROM versions WHERE seq = ?').run(row.seq);
    return row.blob;
  }

  #insert(
    bucket: string,
    key: string,
    versionId: string,
    deleteMarker: boolean,
    version?: NewVersion,
  ): number {
    const now = this.#now();
    this.#q(
      `INSERT INTO versions (bucket, key, version_id, is_latest, delete_marker, size, etag, blob, last_modified, metadata, tags, parts)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      bucket,
      key,
      versionId,
      deleteMarker ? 1 : 0,
      version?.size ?? 0,
      version?.etag ?? '',
      version?.blob ?? null,
      now,
      JSON.stringify(version?.metadata ?? { headers: {}, user: {} }),
      JSON.stringify(version?.tags ?? {}),
      version?.parts ?? null,
    );
    this.#afterChange(bucket, key);
    return now;
  }

  #eventVersionId(state: VersioningState, versionId: string): { versionId?: string } {
    return state === 'Unversioned' ? {} : { versionId };
  }

  /**
   * Writes a new version of `key` (after `check` accepted the current one: conditional writes) and
   * returns the change. Blobs it replaced are released after the commit.
   */
  putVersion(
    bucket: string,
    key: string,
    version: NewVersion,
    eventName: S3EventName,
    check: (current: VersionRow | undefined) => void = () => {},
  ): { change: Change; versionId: string; row: VersionRow } {
    const result = this.transaction(() => this.#putInTransaction(bucket, key, version, eventName, check));
    void this.release(result.released);
    return result;
  }

  /**
   * Deletes `key` (a delete marker when versioned) or one version of it, as S3 does; returns the
   * change and what the answer's headers need.
   */
  deleteObject(
    bucket: string,
    key: string,
    versionId: string | undefined,
    cause: 'ObjectRemoved' | 'LifecycleExpiration',
    check: (current: VersionRow | undefined) => void = () => {},
  ): { change: Change; versionId?: string; deleteMarker: boolean } {
    const released: string[] = [];
    const result = this.transaction(() => {
      const state = this.bucket(bucket).versioning;
      const versions = this.versionsOf(bucket, key);
      check(versions[0] && !versions[0].deleteMarker ? versions[0] : undefined);
      const plan = planDelete(state, versions, versionId);
      let change: Change;
      if (plan.kind === 'remove') {
        const blob = this.#removeVersion(bucket, key, plan.versionId);
        if (blob) released.push(blob);
        if (!plan.removedNothing) this.#afterChange(bucket, key);
        change = {
          eventName: `${cause}:Delete`,
          bucket,
          key,
          ...this.#eventVersionId(state, plan.versionId),
          removedNothing: plan.removedNothing,
          sequencer: this.#nextSequencer(),
          time: this.#now(),
        };
        const shownVersion =
          state === 'Unversioned' && versionId === undefined ? {} : { versionId: plan.versionId };
        return { change, ...shownVersion, deleteMarker: plan.wasDeleteMarker };
      }
      for (const id of plan.replaces) {
        const blob = this.#removeVersion(bucket, key, id);
        if (blob) released.push(blob);
      }
      const time = this.#insert(bucket, key, plan.versionId, true);
      change = {
        eventName: `${cause}:DeleteMarkerCreated`,
        bucket,
        key,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: plan.versionId,
        removedNothing: false,
        sequencer: this.#nextSequencer(),
        time,
      };
      return { change, versionId: plan.versionId, deleteMarker: true };
    });
    void this.release(released);
    return result;
  }

  setTags(
    bucket: string,
    key: string,
    versionId: string | undefined,
    tags: Record<string, string>,
  ): VersionRow {
    const row = this.findVersion(bucket, key, versionId);
    if (!row || row.deleteMarker) {
      throw new S3Error(versionId === undefined ? 'NoSuchKey' : 'NoSuchVersion', undefined, { Key: key });
    }
    this.#q('UPDATE versions SET tags = ? WHERE seq = ?').run(JSON.stringify(tags), row.seq);
    return row;
  }

  isReferenced(blob: string): boolean {
    return (
      this.#q('SELECT 1 FROM versions WHERE blob = ? LIMIT 1').get(blob) !== undefined ||
      this.#q('SELECT 1 FROM parts WHERE blob = ? LIMIT 1').get(blob) !== undefined
    );
  }

  release(blobs: string[]): Promise<void> {
    if (blobs.length === 0) return Promise.resolve();
    return this.blobs
      .release(blobs, (blob) => this.isReferenced(blob))
      .catch((err) => {
        console.error('embedded S3: could not remove an unreferenced body file:', err);
      });
  }

  // --- multipart uploads -----------------------------------------------------------------------

  createUpload(upload: UploadRow): void {
    this.#q(
      'INSERT INTO uploads (upload_id, bucket, key, initiated, metadata, tags) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(
      upload.uploadId,
      upload.bucket,
      upload.key,
      upload.initiated,
      JSON.stringify(upload.metadata),
      JSON.stringify(upload.tags),
    );
  }

  findUpload(uploadId: string): UploadRow | undefined {
    const row = this.#q('SELECT * FROM uploads WHERE upload_id = ?').get(uploadId) as Row | undefined;
    if (!row) return undefined;
    return {
      uploadId: String(row.upload_id),
      bucket: String(row.bucket),
      key: String(row.key),
      initiated: Number(row.initiated),
      metadata: JSON.parse(String(row.metadata)) as ObjectMetadata,
      tags: JSON.parse(String(row.tags)) as Record<string, string>,
    };
  }

  upload(bucket: string, key: string, uploadId: string): UploadRow {
    const found = this.findUpload(uploadId);
    if (!found || found.bucket !== bucket || found.key !== key) {
      throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
    }
    return found;
  }

  /** Uploads of a bucket, by key then initiation. */
  listUploads(bucket: string): UploadRow[] {
    return (
      this.#q('SELECT upload_id FROM uploads WHERE bucket = ? ORDER BY key, initiated, upload_id').all(
        bucket,
      ) as Row[]
    )
      .map((row) => this.findUpload(String(row.upload_id)))
      .filter((u): u is UploadRow => u !== undefined);
  }

  putPart(uploadId: string, part: PartRow): void {
    let previous: string | undefined;
    this.transaction(() => {
      if (!this.findUpload(uploadId)) throw new S3Error('NoSuchUpload', undefined, { UploadId: uploadId });
      const old = this.#q('SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?').get(
        uploadId,
        part.partNumber,
      ) as Row | undefined;
      previous = old ? String(old.blob) : undefined;
      this.#q(
        `INSERT INTO parts (upload_id, part_number, etag, size, blob, last_modified, checksum) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(upload_id, part_number) DO UPDATE SET etag = excluded.etag, size = excluded.size,
         blob = excluded.blob, last_modified = excluded.last_modified, checksum = excluded.checksum`,
      ).run(
        uploadId,
        part.partNumber,
        part.etag,
        part.size,
        part.blob,
        part.lastModified,
        part.checksum ?? null,
      );
    });
    if (previous && previous !== part.blob) void this.release([previous]);
  }

  parts(uploadId: string): PartRow[] {
    return (
      this.#q('SELECT * FROM parts WHERE upload_id = ? ORDER BY part_number').all(uploadId) as Row[]
    ).map((row) => ({
      partNumber: Number(row.part_number),
      etag: String(row.etag),
      size: Number(row.size),
      blob: String(row.blob),
      lastModified: Number(row.last_modified),
      ...(row.checksum === null || row.checksum === undefined ? {} : { checksum: String(row.checksum) }),
    }));
  }

  /** Removes an upload and its parts; their blobs go unless an object shares them. */
  removeUpload(uploadId: string): void {
    const blobs = this.parts(uploadId).map((p) => p.blob);
    this.transaction(() => {
      this.#q('DELETE FROM parts WHERE upload_id = ?').run(uploadId);
      this.#q('DELETE FROM uploads WHERE upload_id = ?').run(uploadId);
    });
    void this.release(blobs);
  }

  /** Completes an upload: the object version and the end of the upload in one transaction. */
  completeUpload(
    upload: UploadRow,
    version: NewVersion,
    partsJson: string,
    check: (current: VersionRow | undefined) => void,
  ): { change: Change; versionId: string; row: VersionRow } {
    const blobs = this.parts(upload.uploadId).map((p) => p.blob);
    const result = this.transaction(() => {
      if (!this.findUpload(upload.uploadId))
        throw new S3Error('NoSuchUpload', undefined, { UploadId: upload.uploadId });
      const put = this.#putInTransaction(
        upload.bucket,
        upload.key,
        version,
        'ObjectCreated:CompleteMultipartUpload',
        check,
      );
      this.#q('DELETE FROM parts WHERE upload_id = ?').run(upload.uploadId);
      this.#q('DELETE FROM uploads WHERE upload_id = ?').run(upload.uploadId);
      this.#q(
        'INSERT OR REPLACE INTO completed_uploads (upload_id, bucket, key, etag, version_id, parts) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(upload.uploadId, upload.bucket, upload.key, version.etag, put.versionId, partsJson);
      return put;
    });
    void this.release([...blobs, ...result.released]);
    return result;
  }

  findCompletedUpload(
    uploadId: string,
  ): { bucket: string; key: string; etag: string; versionId: string; parts: string } | undefined {
    const row = this.#q('SELECT * FROM completed_uploads WHERE upload_id = ?').get(uploadId) as
      | Row
      | undefined;
    if (!row) return undefined;
    return {
      bucket: String(row.bucket),
      key: String(row.key),
      etag: String(row.etag),
      versionId: String(row.version_id),
      parts: String(row.parts),
    };
  }

  #putInTransaction(
    bucket: string,
    key: string,
    version: NewVersion,
    eventName: S3EventName,
    check: (current: VersionRow | undefined) => void,
  ): { change: Change; versionId: string; row: VersionRow; released: string[] } {
    const released: string[] = [];
    const state = this.bucket(bucket).versioning;
    const latest = this.findVersion(bucket, key);
    check(latest && !latest.deleteMarker ? latest : undefined);
    const plan = planPut(state, this.versionsOf(bucket, key));
    for (const id of plan.replaces) {
      const blob = this.#removeVersion(bucket, key, id);
      if (blob) released.push(blob);
    }
    const time = this.#insert(bucket, key, plan.versionId, false, version);
    const change: Change = {
      eventName,
      bucket,
      key,
      size: version.size,
      eTag: version.etag,
      ...this.#eventVersionId(state, plan.versionId),
      removedNothing: false,
      sequencer: this.#nextSequencer(),
      time,
    };
    const row = this.findVersion(bucket, key, plan.versionId) as VersionRow;
    return { change, versionId: plan.versionId, row, released };
  }

  /** Uploads initiated before `before` (lifecycle's AbortIncompleteMultipartUpload). */
  uploadsOf(bucket: string): UploadRow[] {
    return this.listUploads(bucket);
  }
}
