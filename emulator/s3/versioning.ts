/**
 * What a write or a delete does to the versions of one key, as S3 defines it (pure):
 * - never versioned: one `null` version, replaced by a write, removed by a delete;
 * - Enabled: every write adds a version with a new id; a delete without a version id adds a
 *   delete marker; a delete with one removes that version for good (a marker too);
 * - Suspended: writes and deletes make a `null` version (or `null` delete marker) that replaces the
 *   key's existing `null` version; versions with ids stay.
 */
import { randomBytes } from 'node:crypto';

export type VersioningState = 'Unversioned' | 'Enabled' | 'Suspended';

export interface VersionSummary {
  versionId: string;
  deleteMarker: boolean;
}

/** S3-like version ids: 32 URL-safe characters. */
export function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

export interface PutPlan {
  versionId: string;
  /** Version ids that the new version replaces (removed for good). */
  replaces: string[];
}

export function planPut(
  state: VersioningState,
  versions: readonly VersionSummary[],
  newId: () => string = newVersionId,
): PutPlan {
  if (state === 'Enabled') return { versionId: newId(), replaces: [] };
  return { versionId: 'null', replaces: versions.some((v) => v.versionId === 'null') ? ['null'] : [] };
}

export type DeletePlan =
  | {
      kind: 'remove';
      /** The version removed; undefined when there was none to remove. */
      versionId: string;
      removedNothing: boolean;
      wasDeleteMarker: boolean;
    }
  | { kind: 'marker'; versionId: string; replaces: string[] };

/** `versions` newest first; `versionId` as the request named it (undefined: the key itself). */
export function planDelete(
  state: VersioningState,
  versions: readonly VersionSummary[],
  versionId: string | undefined,
  newId: () => string = newVersionId,
): DeletePlan {
  if (versionId !== undefined || state === 'Unversioned') {
    const target = versionId ?? 'null';
    const found = versions.find((v) => v.versionId === target);
    return {
      kind: 'remove',
      versionId: target,
      removedNothing: !found,
      wasDeleteMarker: found?.deleteMarker ?? false,
    };
  }
  if (state === 'Enabled') return { kind: 'marker', versionId: newId(), replaces: [] };
  return {
    kind: 'marker',
    versionId: 'null',
    replaces: versions.some((v) => v.versionId === 'null') ? ['null'] : [],
  };
}
