// The classifier's figures on the labelled photos (test/fixtures/pets/<label>/*): precision and recall
// per class (an uncertain result counts as "other", where the workflow files it), and latency per image
// through the path the workflow uses: AWS SDK → embedded Rekognition endpoint → CenterNet model.
// `node scripts/bench/classifier.ts [--out bench/classifier.json] [--rounds N]`; runClassifierPart()
// is for `make bench`.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RekognitionClient } from '@aws-sdk/client-rekognition';
import {
  type Animal,
  type ClassifierThresholds,
  classifyLabels,
  LOCAL_MODEL_THRESHOLDS,
} from '../../classifier/classify.ts';
import { LocalLabelDetector } from '../../classifier/local/local-detector.ts';
import { RekognitionLabelDetector } from '../../classifier/rekognition-detector.ts';
import { startRekognitionServer } from '../../emulator/rekognition/server.ts';
import { progress, runMain } from '../cli.ts';
import { ANIMALS, confusion, perClass } from './classifier-metrics.ts';
import { describeMachine } from './machine.ts';
import { percentile, round } from './stats.ts';

const PHOTOS = fileURLToPath(new URL('../../test/fixtures/pets/', import.meta.url));

export interface LabelledPhoto {
  readonly file: string;
  readonly truth: Animal;
}

export function labelledPhotos(root = PHOTOS): LabelledPhoto[] {
  return ANIMALS.flatMap((truth) =>
    readdirSync(join(root, truth))
      .filter((name) => /\.(jpe?g|png)$/i.test(name))
      .sort()
      .map((name) => ({ file: join(root, truth, name), truth })),
  );
}

export interface ClassifierBenchOptions {
  readonly thresholds?: ClassifierThresholds;
  /** Passes over the photo set; latency percentiles pool every pass (default 1). */
  readonly rounds?: number;
  /** MinConfidence sent with each request: the start of the uncertain band, so that band is seen. */
  readonly minConfidence?: number;
}

export async function runClassifierPart(
  options: ClassifierBenchOptions = {},
): Promise<Record<string, unknown>> {
  const thresholds = options.thresholds ?? LOCAL_MODEL_THRESHOLDS;
  const rounds = options.rounds ?? 1;
  const photos = labelledPhotos();
  const loadBefore = loadavg()[0] ?? 0;
  const local = new LocalLabelDetector();
  const model = await local.warm();
  const server = await startRekognitionServer({ detector: local, warm: false });
  const client = new RekognitionClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  const detector = new RekognitionLabelDetector(client);
  try {
    // one request first: the first inference of a model is slower (kernels set up), not a per-image cost
    const warmStarted = performance.now();
    await detector.detectLabels(readFileSync((photos[0] as LabelledPhoto).file));
    const firstInferenceMs = performance.now() - warmStarted;
    const latencies: number[] = [];
    const cpuTimes: number[] = [];
    const results: {
      file: string;
      truth: Animal;
      predicted: Animal;
      animal: Animal;
      confidence: number;
      uncertain: boolean;
      ms: number;
    }[] = [];
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const photo of photos) {
        const bytes = readFileSync(photo.file);
        const cpuBefore = process.cpuUsage();
        const started = performance.now();
        const answer = await detector.detectLabels(bytes, {
          minConfidence: options.minConfidence ?? thresholds.uncertainFrom,
        });
        const ms = performance.now() - started;
        const cpu = process.cpuUsage(cpuBefore);
        latencies.push(ms);
        // client, server and model share this process: its CPU time is the cost of one image, whatever the load
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        if (round_ > 0) continue;
        const decision = classifyLabels(answer.Labels, thresholds);
        results.push({
          file: photo.file.slice(PHOTOS.length),
          truth: photo.truth,
          predicted: decision.folder,
          animal: decision.animal,
          confidence: round(decision.confidence, 1),
          uncertain: decision.uncertain,
          ms: round(ms, 0),
        });
      }
    }
    return {
      images: photos.length,
      perClass: perClass(results),
      confusion: confusion(results),
      uncertain: results.filter((r) => r.uncertain).length,
      p50Ms: round(percentile(latencies, 50), 0),
      p95Ms: round(percentile(latencies, 95), 0),
      latencySamples: latencies.length,
      cpuMsP50: round(percentile(cpuTimes, 50), 0),
      cpuMsP95: round(percentile(cpuTimes, 95), 0),
      modelLoadMs: round(model.loadMs, 0),
      firstInferenceMs: round(firstInferenceMs, 0),
      thresholds: {
        acceptAt: thresholds.acceptAt,
        uncertainFrom: thresholds.uncertainFrom,
        minLead: thresholds.minLead,
      },
      model:
        'CenterNet MobileNetV3 (80 COCO classes) from @vladmandic/human 3.3.6, TensorFlow.js 4.22.0 wasm backend, 1 thread',
      path: 'AWS SDK DetectLabels → embedded Rekognition endpoint (127.0.0.1) → model; decode with node-canvas',
      machine: describeMachine(),
      loadAverage1m: {
        before: round(loadBefore, 1),
        after: round(loadavg()[0] ?? 0, 1),
        cores: cpus().length,
      },
      results,
    };
  } finally {
    client.destroy();
    await server.stop();
  }
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runMain(async () => {
    const rounds = Number(argument('--rounds') ?? 1);
    if (!Number.isInteger(rounds) || rounds < 1)
      throw new Error(`--rounds must be a whole number >= 1, got ${argument('--rounds')}`);
    progress(`classifier bench: ${labelledPhotos().length} photos, ${rounds} round(s)`);
    const block = await runClassifierPart({ rounds });
    const text = `${JSON.stringify({ classifier: block }, null, 2)}\n`;
    const out = argument('--out');
    if (out) writeFileSync(out, text);
    console.log(text);
  });
}
