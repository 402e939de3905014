import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { replaceFile } from '../services/replace-file.ts';

/**
 * JavaScript copies of the TypeScript modules every Node.js execution environment loads (child.ts,
 * module-isolation.ts, the custom-resource response route). Loaded as .ts, each environment made Node
 * strip their types again at start (amaro, in WebAssembly): a third of a cold start's CPU in a profile
 * of the tracker's environment, and the fault campaign starts ~450 environments. Stripped here once
 * per content into the OS temp folder: the same code, types replaced by blanks, so line and column
 * numbers stay those of the .ts files.
 */
const copies = new Map<string, string>();

/** The path of `file`'s JavaScript copy; `siblings` are the group's other files it imports as './x.ts'. */
export function javascriptCopy(file: URL, siblings: readonly URL[] = []): string {
  const key = [file, ...siblings].map(String).join('\n');
  let path = copies.get(key);
  if (!path) {
    path = writeCopies([file, ...siblings]);
    copies.set(key, path);
  }
  return path;
}

export function javascriptCopyUrl(file: URL, siblings: readonly URL[] = []): string {
  return pathToFileURL(javascriptCopy(file, siblings)).href;
}

function writeCopies(files: readonly URL[]): string {
  const names = files.map((file) => basename(fileURLToPath(file)));
  const sources = files.map((file) => readFileSync(file, 'utf8'));
  const hash = createHash('sha256').update(process.version);
  for (const [i, source] of sources.entries()) hash.update(`\0${names[i]}\0${source}`);
  const dir = join(tmpdir(), `embedded-lambda-js-${hash.digest('hex').slice(0, 16)}`);
  const target = (name: string) => join(dir, name.replace(/\.ts$/, '.mjs'));
  const main = target(names[0] as string);
  if (existsSync(main)) return main;
  mkdirSync(dir, { recursive: true });
  // the main file last: its presence says the group is complete
  for (const i of [...names.keys()].reverse()) {
    let js = quietly(() => stripTypeScriptTypes(sources[i] as string, { mode: 'strip' }));
    for (const name of names) js = js.replaceAll(`'./${name}'`, `'./${name.replace(/\.ts$/, '.mjs')}'`);
    // several test workers may race here: each writes a file of its own and renames it into place
    replaceFile(target(names[i] as string), js);
  }
  return main;
}

/** stripTypeScriptTypes warns that it is experimental on first use: noise in a cloud's log. */
function quietly<T>(run: () => T): T {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning).includes('stripTypeScriptTypes')) return;
    (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return run();
  } finally {
    process.emitWarning = emitWarning;
  }
}
