import type { Animal } from '../../classifier/classify.ts';

/** Precision and recall per class from (truth, predicted) pairs; a class never predicted has precision NaN → null. */
export interface ClassFigures {
  readonly precision: number | null;
  readonly recall: number | null;
  readonly truePositives: number;
  readonly predicted: number;
  readonly actual: number;
}

export const ANIMALS: readonly Animal[] = ['cat', 'dog', 'other'];

export function perClass(
  outcomes: readonly { truth: Animal; predicted: Animal }[],
): Record<Animal, ClassFigures> {
  const ratio = (a: number, b: number) => (b === 0 ? null : Number((a / b).toFixed(3)));
  const entries = ANIMALS.map((animal) => {
    const truePositives = outcomes.filter((o) => o.truth === animal && o.predicted === animal).length;
    const predicted = outcomes.filter((o) => o.predicted === animal).length;
    const actual = outcomes.filter((o) => o.truth === animal).length;
    return [
      animal,
      {
        precision: ratio(truePositives, predicted),
        recall: ratio(truePositives, actual),
        truePositives,
        predicted,
        actual,
      },
    ] as const;
  });
  return Object.fromEntries(entries) as Record<Animal, ClassFigures>;
}

/** confusion[truth][predicted] = count */
export function confusion(
  outcomes: readonly { truth: Animal; predicted: Animal }[],
): Record<Animal, Record<Animal, number>> {
  const table = Object.fromEntries(
    ANIMALS.map((t) => [t, Object.fromEntries(ANIMALS.map((p) => [p, 0]))]),
  ) as Record<Animal, Record<Animal, number>>;
  for (const { truth, predicted } of outcomes) table[truth][predicted] += 1;
  return table;
}
