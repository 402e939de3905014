import { describe, expect, it } from 'vitest';
import type { RawDetection } from '../../classifier/local/centernet-model.ts';
import { detectionsToLabels } from '../../classifier/local/detections.ts';
import { sniffImageFormat } from '../../classifier/local/image-input.ts';

const CAT = 15;
const DOG = 16;
const PERSON = 0;
// a 1024 × 512 image letterboxed into 512 × 512: scale 0.5, drawn in the top half
const placement = { scale: 0.5, width: 1024, height: 512 };

describe('detectionsToLabels', () => {
  it('gives one label per class with its instances in image fractions, and the parents as labels', () => {
    const detections: RawDetection[] = [
      [0, 0, 256, 128, 0.6, CAT],
      [256, 0, 512, 256, 0.3, DOG],
      [0, 0, 10, 10, 0.1, PERSON],
    ];
    const { Labels } = detectionsToLabels(detections, placement, { minConfidence: 20 });
    expect(Labels.map((l) => [l.Name, l.Confidence])).toEqual([
      ['Animal', 60],
      ['Cat', 60],
      ['Mammal', 60],
      ['Pet', 60],
      ['Canine', 30],
      ['Dog', 30],
    ]);
    const cat = Labels.find((l) => l.Name === 'Cat');
    expect(cat?.Instances).toEqual([
      { BoundingBox: { Left: 0, Top: 0, Width: 0.5, Height: 0.5 }, Confidence: 60 },
    ]);
    expect(cat?.Parents).toEqual([{ Name: 'Pet' }, { Name: 'Mammal' }, { Name: 'Animal' }]);
    expect(Labels.find((l) => l.Name === 'Dog')?.Instances[0]?.BoundingBox).toEqual({
      Left: 0.5,
      Top: 0,
      Width: 0.5,
      Height: 1,
    });
  });

  it('merges overlapping boxes of one class, keeps separate ones, and honours MaxLabels', () => {
    const detections: RawDetection[] = [
      [0, 0, 100, 100, 0.5, CAT],
      [5, 5, 100, 100, 0.4, CAT],
      [300, 300, 400, 400, 0.45, CAT],
    ];
    const { Labels } = detectionsToLabels(detections, placement, { minConfidence: 0 });
    expect(Labels.find((l) => l.Name === 'Cat')?.Instances.map((i) => i.Confidence)).toEqual([50, 45]);
    expect(detectionsToLabels(detections, placement, { minConfidence: 0, maxLabels: 2 }).Labels).toHaveLength(
      2,
    );
    expect(detectionsToLabels(detections, placement, { minConfidence: 51 }).Labels).toEqual([]);
  });
});

describe('sniffImageFormat', () => {
  it('knows JPEG and PNG by their first bytes, nothing else', () => {
    expect(sniffImageFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg');
    expect(sniffImageFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe('png');
    expect(sniffImageFormat(new TextEncoder().encode('GIF89a'))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array())).toBeUndefined();
  });
});
