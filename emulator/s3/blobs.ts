/**
 * Object bodies as content-addressed files (`blobs/<2 hex>/<sha256>`): written to a temporary file,
 * fsynced, renamed into place, and only then referenced by a metadata commit, so a process killed
 * at any point never leaves a half-written body behind an acknowledged object. Identical bodies
 * (copies, re-uploads) share one file. A file no row references any more is removed after the
 * commit that dropped the reference; one left by a crash in between is swept at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';

export interface WrittenBlob {
  blob: string;
  size: number;
  md5: Buffer;
  /** Digests asked for (sha1, sha256, crc32, crc32c), base64 as S3's checksum headers carry them. */
  checksums: Record<string, string>;
}

export type ChecksumAlgorithm = 'crc32' | 'crc32c' | 'sha1' | 'sha256';

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), incremental: pass the previous value. */
export function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return ~crc >>> 0;
}

function uint32Base64(value: number): string {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer.toString('base64');
}

export class BlobStore {
  readonly #root: string;
  readonly #tmp: string;
  /** Blobs written but maybe not referenced yet: never removed while pinned. */
  readonly #pinned = new Map<string, number>();

  readonly #sync: boolean;

  /** `sync`: fsync each body before it is referenced (survives power loss, not only a killed process). */
  constructor(directory: string, sync = true) {
    this.#sync = sync;
    this.#root = join(directory, 'blobs');
    this.#tmp = join(directory, 'tmp');
    mkdirSync(this.#root, { recursive: true });
    rmSync(this.#tmp, { recursive: true, force: true }); // writes a crash interrupted
    mkdirSync(this.#tmp, { recursive: true });
  }

  path(blob: string): string {
    return join(this.#root, blob.slice(0, 2), blob);
  }

  /** Streams `source` into a new blob; the caller unpins it once its commit is done (or failed). */
  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    algorithms: readonly ChecksumAlgorithm[] = [],
  ): Promise<WrittenBlob> {
    const temporary = join(this.#tmp, randomBytes(12).toString('hex'));
    const file = await open(temporary, 'w');
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    const sha1 = algorithms.includes('sha1') ? createHash('sha1') : undefined;
    const crc32 = algorithms.includes('crc32') ? zlibCrc32 : undefined;
    let crc32Value = 0;
    let crc32cValue = 0;
    let size = 0;
    try {
      for await (const chunk of source) {
        sha256.update(chunk);
        md5.update(chunk);
        sha1?.update(chunk);
        if (crc32) crc32Value = crc32(chunk, crc32Value);
        if (algorithms.includes('crc32c')) crc32cValue = crc32c(chunk, crc32cValue);
        size += chunk.length;
        await file.write(chunk);
      }
      if (this.#sync) await file.sync();
    } catch (err) {
      await file.close().catch(() => undefined);
      await rm(temporary, { force: true });
      throw err;
    }
    await file.close();
    const sha256Digest = sha256.digest();
    const blob = sha256Digest.toString('hex');
    this.pin(blob);
    const target = this.path(blob);
    await mkdir(join(this.#root, blob.slice(0, 2)), { recursive: true });
    await rename(temporary, target);
    const checksums: Record<string, string> = {};
    if (algorithms.includes('sha256')) checksums.sha256 = sha256Digest.toString('base64');
    if (sha1) checksums.sha1 = sha1.digest('base64');
    if (crc32) checksums.crc32 = uint32Base64(crc32Value);
    if (algorithms.includes('crc32c')) checksums.crc32c = uint32Base64(crc32cValue);
    return { blob, size, md5: md5.digest(), checksums };
  }

  pin(blob: string): void {
    this.#pinned.set(blob, (this.#pinned.get(blob) ?? 0) + 1);
  }

  unpin(blob: string): void {
    const count = (this.#pinned.get(blob) ?? 1) - 1;
    if (count <= 0) this.#pinned.delete(blob);
    else this.#pinned.set(blob, count);
  }

  /** Removes blobs that no row references (`isReferenced` asks the metadata) and none is writing. */
  async release(blobs: Iterable<string>, isReferenced: (blob: string) => boolean): Promise<void> {
    for (const blob of new Set(blobs)) {
      if (this.#pinned.has(blob) || isReferenced(blob)) continue;
      await rm(this.path(blob), { force: true });
    }
  }

  /** At start: removes every blob file the metadata does not reference (left by a crash). */
  sweep(referenced: Set<string>): number {
    let removed = 0;
    for (const folder of readdirSync(this.#root)) {
      for (const name of readdirSync(join(this.#root, folder))) {
        if (!referenced.has(name)) {
          rmSync(join(this.#root, folder, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
