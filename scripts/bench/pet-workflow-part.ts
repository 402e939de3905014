// The PetDetector workflow's end-to-end latency per image on the embedded cloud: each labelled photo
// uploaded through the API (POST /uploads, presigned PUT), one at a time, timed from the PUT's answer
// to its DetectionLogs record reading `completed` (S3 event -> start function -> Step Functions ->
// DetectLabels on the local model -> classify -> record -> move -> alert if uncertain).
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalCloud } from '../../emulator/local-cloud.ts';
import { apiKeyValueAt } from '../../integration/targets/api-key.ts';
import { ensurePetAssembly } from '../../integration/targets/assembly.ts';
import { labelledPhotos } from './classifier.ts';
import { percentile, round } from './stats.ts';

export interface PetWorkflowFigures {
  readonly workflowP50Ms: number;
  readonly workflowP95Ms: number;
  readonly workflowSamples: number;
}

export async function runPetWorkflowPart(options: {
  log: (line: string) => void;
}): Promise<PetWorkflowFigures> {
  const assemblyDir = await ensurePetAssembly(options.log);
  const cloud = await startLocalCloud({ assemblyDir, stateDir: null, log: () => {} });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region: cloud.region, credentials }),
  );
  try {
    const outputs = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, string>;
    const api = (outputs.ApiUrl as string).replace(/\/$/, '');
    const table = outputs.DetectionTableName as string;
    const key = await apiKeyValueAt(cloud.endpoints.api, cloud.region, outputs.ApiKeyId as string);
    const latencies: number[] = [];
    for (const photo of labelledPhotos()) {
      const bytes = readFileSync(photo.file);
      const contentType = photo.file.endsWith('.png') ? 'image/png' : 'image/jpeg';
      const created = await fetch(`${api}/uploads`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ contentType, sizeBytes: bytes.length }),
      });
      if (created.status !== 201)
        throw new Error(`POST /uploads answered ${created.status}: ${await created.text()}`);
      const { imageId, upload } = (await created.json()) as { imageId: string; upload: { url: string } };
      const put = await fetch(upload.url, {
        method: 'PUT',
        body: bytes,
        headers: { 'content-type': contentType },
      });
      if (put.status !== 200) throw new Error(`presigned PUT answered ${put.status}: ${await put.text()}`);
      const uploaded = performance.now();
      for (;;) {
        const item = await db.send(new GetCommand({ TableName: table, Key: { ImageID: imageId } }));
        const status = item.Item?.ProcessingStatus;
        if (status === 'completed') break;
        if (status === 'failed') throw new Error(`${photo.file} failed: ${String(item.Item?.ErrorCause)}`);
        if (performance.now() - uploaded > 60_000) throw new Error(`${photo.file}: no record after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      latencies.push(performance.now() - uploaded);
      await cloud.whenIdle();
    }
    options.log(`pet workflow: ${latencies.length} images, p50 ${round(percentile(latencies, 50), 0)} ms`);
    return {
      workflowP50Ms: round(percentile(latencies, 50), 0),
      workflowP95Ms: round(percentile(latencies, 95), 0),
      workflowSamples: latencies.length,
    };
  } finally {
    db.destroy();
    await cloud.stop();
  }
}
