import { createHash } from 'node:crypto';
import type { Animal } from '../../../classifier/classify.ts';
import { FOLDERS } from '../schema.ts';

/** Image ids are what POST /uploads hands out (UUIDs), or a file name's stem for other uploads. */
const IMAGE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isImageId(value: string): boolean {
  return IMAGE_ID.test(value);
}

/** The image id of an object under input/: its file name without the extension. */
export function imageIdOf(key: string): string {
  if (!key.startsWith(FOLDERS.input)) throw new Error(`key "${key}" is not under ${FOLDERS.input}`);
  const name = key.slice(FOLDERS.input.length);
  const dot = name.lastIndexOf('.');
  const stem = (dot > 0 ? name.slice(0, dot) : name).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 128);
  return /^[A-Za-z0-9]/.test(stem) ? stem : `x${stem}`.slice(0, 128);
}

/** Where a classified image is filed: cats/, dogs/ or others/, same file name. */
export function destinationKey(key: string, folder: Animal): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return `${FOLDERS[folder]}${name}`;
}

/**
 * The workflow execution's name for one version of one object: the same S3 object version always
 * gives the same name, so a redelivered event's StartExecution does not start a second run (Step
 * Functions refuses a duplicate name for 90 days). Names: 1-80 of [A-Za-z0-9_-].
 */
export function executionName(bucket: string, key: string, version: string): string {
  const digest = createHash('sha256').update(`${bucket}\0${key}\0${version}`).digest('hex');
  const readable = imageIdOf(key)
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 15);
  return `${readable}-${digest.slice(0, 64)}`;
}

export function s3Location(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Bucket and key of an s3:// location. */
export function parseS3Location(location: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!m) throw new Error(`"${location}" is not an s3://bucket/key location`);
  return { bucket: m[1] as string, key: m[2] as string };
}
