import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';
import { expect } from 'vitest';

/** Pixels may differ by pixelmatch's threshold 0.1, and at most this share of them may. */
export const MAX_MISMATCH_RATIO = 0.001;

export function decodePng(png: Buffer): PNG {
  return PNG.sync.read(png);
}

/**
 * Compares two PNGs with pixelmatch, prints the mismatch count, and fails (writing the actual image and
 * a diff next to the test, under __output__/) when more than 0.1 % of the pixels differ.
 */
export function expectSimilarPngs(
  name: string,
  expected: Buffer,
  actual: Buffer,
  outputDir: string,
  hint = '',
): void {
  const a = decodePng(actual);
  const e = decodePng(expected);
  expect([a.width, a.height], `${name}: size`).toEqual([e.width, e.height]);
  const diff = new PNG({ width: a.width, height: a.height });
  const mismatched = pixelmatch(e.data, a.data, diff.data, a.width, a.height, { threshold: 0.1 });
  const allowed = Math.floor(a.width * a.height * MAX_MISMATCH_RATIO);
  console.log(`${name}: ${mismatched} mismatched pixels (allowed ${allowed})`);
  if (mismatched > allowed) {
    mkdirSync(outputDir, { recursive: true });
    const actualPath = join(outputDir, `${name}.actual.png`);
    const diffPath = join(outputDir, `${name}.diff.png`);
    writeFileSync(actualPath, actual);
    writeFileSync(diffPath, PNG.sync.write(diff));
    expect.fail(
      `${name}: ${mismatched} pixels differ (allowed ${allowed}); actual: ${actualPath}, diff: ${diffPath}. ${hint}`,
    );
  }
}

/** Compares with a golden file, or writes it when it is missing or UPDATE_GOLDENS=1. */
export function expectMatchesGolden(goldenPath: string, png: Buffer): void {
  if (process.env.UPDATE_GOLDENS === '1' || !existsSync(goldenPath)) {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, png);
    console.log(`golden ${goldenPath} written`);
    return;
  }
  const name = basename(goldenPath, '.png');
  expectSimilarPngs(
    name,
    readFileSync(goldenPath),
    png,
    join(dirname(goldenPath), '..', '__output__'),
    'If the change is intended, rerun with UPDATE_GOLDENS=1.',
  );
}
