import type { DynamoDBRecord } from 'aws-lambda';

/** One image to count under a label: counted once per (label, image), however often the record comes. */
export interface CountChange {
  readonly label: string;
  readonly imageId: string;
}

/**
 * Which stream records change the per-label counts: an image reaching `completed` counts under its
 * label (cat, dog, other), reaching `failed` under "failed". Other changes (pending records, TTL
 * removals) do not: the counts are of images processed, ever.
 */
export function countChanges(records: readonly DynamoDBRecord[]): CountChange[] {
  const changes: CountChange[] = [];
  for (const record of records) {
    if (record.eventName !== 'INSERT' && record.eventName !== 'MODIFY') continue;
    const next = record.dynamodb?.NewImage;
    const status = next?.ProcessingStatus?.S;
    const imageId = next?.ImageID?.S;
    if (!imageId || (status !== 'completed' && status !== 'failed')) continue;
    if (record.dynamodb?.OldImage?.ProcessingStatus?.S === status) continue;
    const label = status === 'failed' ? 'failed' : next?.DetectedAnimal?.S;
    if (label) changes.push({ label, imageId });
  }
  return changes;
}
