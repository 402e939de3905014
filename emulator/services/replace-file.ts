import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `text` to a file of its own beside `file`, then renames it over `file`: a reader (or a
 * restart after a kill) sees the old content or the new, never half of one. The temporary name
 * carries the process id, so concurrent writers (test workers) do not write into each other's.
 */
export function replaceFile(file: string, text: string): void {
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}
