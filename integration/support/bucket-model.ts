/**
 * What a bucket should hold after the operations S3 acknowledged, versioned or not: each key's
 * versions, oldest first, a delete marker being a version without size. The fault campaign checks
 * the listings against it (else the emulator, not the tracker, is off) and the tracker against both.
 */
export interface ModelVersion {
  readonly versionId: string;
  /** null: a delete marker. */
  readonly size: number | null;
}

export class BucketModel {
  readonly versioned: boolean;
  readonly #keys = new Map<string, ModelVersion[]>();

  constructor(versioned: boolean) {
    this.versioned = versioned;
  }

  /** A new object (PutObject, CopyObject): the new current version. */
  put(key: string, size: number, versionId: string | undefined): void {
    if (!this.versioned) this.#keys.set(key, [{ versionId: 'null', size }]);
    else this.#versions(key).push({ versionId: this.#required(versionId, key), size });
  }

  /** DeleteObject without a version id: gone, or a delete marker on top in a versioned bucket. */
  deleteCurrent(key: string, markerVersionId: string | undefined): void {
    if (!this.versioned) this.#keys.delete(key);
    else this.#versions(key).push({ versionId: this.#required(markerVersionId, key), size: null });
  }

  /** DeleteObject with a version id: that version (or marker) removed for good. */
  deleteVersion(key: string, versionId: string): void {
    const kept = this.#versions(key).filter((version) => version.versionId !== versionId);
    if (kept.length > 0) this.#keys.set(key, kept);
    else this.#keys.delete(key);
  }

  versionsOf(key: string): readonly ModelVersion[] {
    return this.#keys.get(key) ?? [];
  }

  /** The size of the key's current version, undefined when there is none or it is a delete marker. */
  currentSize(key: string): number | undefined {
    return this.#keys.get(key)?.at(-1)?.size ?? undefined;
  }

  /** What ListObjectsV2 shows. */
  current(): { sizeBytes: number; objectCount: number } {
    let sizeBytes = 0;
    let objectCount = 0;
    for (const key of this.#keys.keys()) {
      const size = this.currentSize(key);
      if (size === undefined) continue;
      sizeBytes += size;
      objectCount++;
    }
    return { sizeBytes, objectCount };
  }

  /** What ListObjectVersions shows, delete markers apart. */
  stored(): { sizeBytes: number; versions: number; deleteMarkers: number } {
    let sizeBytes = 0;
    let versions = 0;
    let deleteMarkers = 0;
    for (const list of this.#keys.values()) {
      for (const version of list) {
        if (version.size === null) deleteMarkers++;
        else {
          sizeBytes += version.size;
          versions++;
        }
      }
    }
    return { sizeBytes, versions, deleteMarkers };
  }

  keysWithCurrentObject(): string[] {
    return [...this.#keys.keys()].filter((key) => this.currentSize(key) !== undefined);
  }

  keysWithVersions(): string[] {
    return [...this.#keys.keys()];
  }

  #versions(key: string): ModelVersion[] {
    let list = this.#keys.get(key);
    if (!list) {
      list = [];
      this.#keys.set(key, list);
    }
    return list;
  }

  #required(versionId: string | undefined, key: string): string {
    if (!versionId)
      throw new Error(`S3 answered no version id for ${JSON.stringify(key)} in a versioned bucket`);
    return versionId;
  }
}
