import { readFileSync } from 'node:fs';
import { DetectLabelsCommand, RekognitionClient } from '@aws-sdk/client-rekognition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RekognitionProcess,
  startRekognitionProcess,
  templatesUseRekognition,
} from '../../../emulator/rekognition/process.ts';

let rekognition: RekognitionProcess;
let client: RekognitionClient;

beforeAll(async () => {
  rekognition = await startRekognitionProcess({});
  await rekognition.ready;
  client = new RekognitionClient({
    endpoint: rekognition.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await rekognition?.stop();
});

describe('the embedded Rekognition in its own process', () => {
  it('answers DetectLabels with the local model, and leaves this event loop free meanwhile', async () => {
    const photo = readFileSync(new URL('../../fixtures/pets/cat/skimage-chelsea.png', import.meta.url));
    // a timer that should fire every 10 ms: inference in this process would hold it for each whole
    // inference (~300 ms each, run one after the other); in a child process only scheduling delays it
    const started = performance.now();
    let worstGapMs = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstGapMs = Math.max(worstGapMs, now - last);
      last = now;
    }, 10);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        client.send(new DetectLabelsCommand({ Image: { Bytes: photo }, MinConfidence: 30 })),
      ),
    );
    clearInterval(timer);
    const totalMs = performance.now() - started;
    for (const out of results) expect(out.Labels?.map((l) => l.Name)).toContain('Cat');
    expect(worstGapMs).toBeLessThan(totalMs / 3);
  });

  it('refuses bytes that are not an image as Rekognition does', async () => {
    await expect(
      client.send(new DetectLabelsCommand({ Image: { Bytes: new TextEncoder().encode('not an image') } })),
    ).rejects.toMatchObject({ name: 'InvalidImageFormatException' });
  });

  it('is started for assemblies whose templates grant rekognition: actions', () => {
    expect(
      templatesUseRekognition([{ Resources: { P: { Properties: { Action: 'rekognition:DetectLabels' } } } }]),
    ).toBe(true);
    expect(templatesUseRekognition([{ Resources: { P: { Properties: { Action: 's3:GetObject' } } } }])).toBe(
      false,
    );
  });
});
