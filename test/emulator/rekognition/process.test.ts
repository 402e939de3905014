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
  it('answers DetectLabels with the local model, spending its CPU in the child, not here', async () => {
    const photo = readFileSync(new URL('../../fixtures/pets/cat/skimage-chelsea.png', import.meta.url));
    // inference costs ~300 ms of CPU an image: in this process, three would cost ~900 ms of ours.
    // CPU time, not wall time, so that a loaded machine does not change the verdict.
    const before = process.cpuUsage();
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        client.send(new DetectLabelsCommand({ Image: { Bytes: photo }, MinConfidence: 30 })),
      ),
    );
    const used = process.cpuUsage(before);
    for (const out of results) expect(out.Labels?.map((l) => l.Name)).toContain('Cat');
    expect((used.user + used.system) / 1000).toBeLessThan(300);
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
