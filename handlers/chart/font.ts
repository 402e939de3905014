import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FontFace, fonts } from 'canvas';

/**
 * The chart's only font family. A private name, so that text never silently falls back to a
 * system font (Lambda images have none): every `ctx.font` names this family.
 */
export const CHART_FONT_FAMILY = 'S3TrackerChartSans';

/**
 * Next to this module in the source tree, and next to index.mjs in a bundle that ships
 * `fonts/DejaVuSans.ttf` beside it.
 */
const DEFAULT_FONT_PATH = fileURLToPath(new URL('./fonts/DejaVuSans.ttf', import.meta.url));

let fontPath = DEFAULT_FONT_PATH;
let loaded: FontFace | null = null;

/** Uses another TTF for the chart (e.g. when the bundle puts fonts elsewhere). Takes effect on the next render. */
export function setChartFontPath(path: string): void {
  if (path === fontPath) return;
  fontPath = path;
  if (loaded !== null) fonts.delete(loaded);
  loaded = null;
}

/** The TTF the chart loads (or has loaded). */
export function chartFontPath(): string {
  return fontPath;
}

/** Loads the font once per process; later calls are free. Throws naming the path when it cannot. */
export function ensureChartFont(): void {
  if (loaded !== null) return;
  let bytes: Buffer;
  try {
    bytes = readFileSync(fontPath);
  } catch (error) {
    throw new Error(`chart font not found at ${fontPath}: ${(error as Error).message}`);
  }
  const face = new FontFace(CHART_FONT_FAMILY, bytes);
  if (face.status === 'error') throw new Error(`chart font at ${fontPath} could not be loaded`);
  // The family holds this face only: the font registry is the process's, and another copy of this
  // module (tests load handlers afresh in one process) may have added one from another path.
  for (const other of [...fonts]) if (other.family === CHART_FONT_FAMILY) fonts.delete(other);
  fonts.add(face);
  loaded = face;
}

/** A CSS font string in the chart family. */
export function chartFont(sizePx: number): string {
  return `${sizePx}px "${CHART_FONT_FAMILY}"`;
}
