/** Applies the buckets' lifecycle rules to the store at the emulated clock's time. */
import { abortsUpload, evaluateKey, type LifecycleRule, type LifecycleVersion } from './lifecycle.ts';
import type { Change, Store, VersionRow } from './store.ts';

/** One pass over every bucket with rules; returns the changes made (their events are the caller's). */
export function runLifecycle(store: Store, now: number, emit: (change: Change) => void): number {
  let changes = 0;
  for (const bucket of store.listBuckets()) {
    if (!bucket.lifecycle) continue;
    const rules = JSON.parse(bucket.lifecycle) as LifecycleRule[];
    if (!rules.some((r) => r.enabled)) continue;
    // a key's versions are contiguous in this order, newest first
    let key: string | undefined;
    let versions: LifecycleVersion[] = [];
    const actions: ReturnType<typeof evaluateKey> = [];
    const flush = () => {
      if (key !== undefined) actions.push(...evaluateKey(rules, key, versions, now));
    };
    for (const row of store.allVersions(bucket.name, '', '', '') as Generator<VersionRow>) {
      if (row.key !== key) {
        flush();
        key = row.key;
        versions = [];
      }
      versions.push(row);
    }
    flush();
    for (const action of actions) {
      const versionId = action.kind === 'remove-version' ? action.versionId : undefined;
      const result = store.deleteObject(bucket.name, action.key, versionId, 'LifecycleExpiration');
      if (!result.change.removedNothing) {
        emit(result.change);
        changes++;
      }
    }
    for (const upload of store.listUploads(bucket.name)) {
      if (abortsUpload(rules, upload.key, upload.initiated, now)) store.removeUpload(upload.uploadId);
    }
  }
  return changes;
}
