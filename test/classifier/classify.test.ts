import { describe, expect, it } from 'vitest';
import {
  type ClassifierThresholds,
  classifyLabels,
  LOCAL_MODEL_THRESHOLDS,
  validateThresholds,
} from '../../classifier/classify.ts';
import type { DetectedLabel } from '../../classifier/labels.ts';

const label = (Name: string, Confidence: number): DetectedLabel => ({
  Name,
  Confidence,
  Instances: [],
  Parents: [],
});
const thresholds: ClassifierThresholds = {
  ...LOCAL_MODEL_THRESHOLDS,
  acceptAt: 50,
  uncertainFrom: 30,
  minLead: 15,
};

describe('classifyLabels', () => {
  it('decides cat or dog at or above acceptAt', () => {
    expect(classifyLabels([label('Animal', 90), label('Cat', 50)], thresholds)).toEqual({
      animal: 'cat',
      confidence: 50,
      uncertain: false,
      folder: 'cat',
    });
    expect(classifyLabels([label('Puppy', 70), label('Cat', 10)], thresholds).folder).toBe('dog');
  });

  it('keeps the guess but files it under other in the uncertain band', () => {
    expect(classifyLabels([label('Dog', 49.9)], thresholds)).toEqual({
      animal: 'dog',
      confidence: 49.9,
      uncertain: true,
      folder: 'other',
    });
    expect(classifyLabels([label('Kitten', 30)], thresholds).uncertain).toBe(true);
  });

  it('is other, and certain, below uncertainFrom or without cat and dog labels', () => {
    expect(classifyLabels([label('Cat', 29.9), label('Cow', 95)], thresholds)).toEqual({
      animal: 'other',
      confidence: 29.9,
      uncertain: false,
      folder: 'other',
    });
    expect(classifyLabels([], thresholds)).toMatchObject({ animal: 'other', confidence: 0 });
  });

  it('is uncertain when cat and dog are both strong and close', () => {
    expect(classifyLabels([label('Cat', 80), label('Dog', 70)], thresholds)).toMatchObject({
      animal: 'cat',
      uncertain: true,
      folder: 'other',
    });
    expect(classifyLabels([label('Cat', 80), label('Dog', 65)], thresholds)).toMatchObject({ folder: 'cat' });
  });
});

describe('validateThresholds', () => {
  it('names the bad field', () => {
    expect(() => validateThresholds({ ...thresholds, acceptAt: 120 })).toThrow(
      /acceptAt must be a number from 0 to 100/,
    );
    expect(() => validateThresholds({ ...thresholds, minLead: Number.NaN })).toThrow(/minLead/);
    expect(() => validateThresholds({ ...thresholds, uncertainFrom: 60 })).toThrow(
      /uncertainFrom \(60\) must not be above acceptAt/,
    );
    expect(() => validateThresholds({ ...thresholds, names: { cat: [], dog: ['Dog'] } })).toThrow(
      /names\.cat/,
    );
    expect(validateThresholds(thresholds)).toBe(thresholds);
  });
});
