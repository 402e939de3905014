import {
  DEFAULT_MIN_CONFIDENCE,
  type DetectLabelsOptions,
  type DetectLabelsResult,
  type LabelDetector,
} from '../labels.ts';
import { defaultModelDir, type LoadedModel, loadCenterNet, runCenterNet } from './centernet-model.ts';
import { detectionsToLabels } from './detections.ts';
import { toModelInput } from './image-input.ts';

/** LabelDetector backed by the local CenterNet model (loaded once, on first use or by warm()). */
export class LocalLabelDetector implements LabelDetector {
  readonly #modelDir: string;

  constructor(options: { modelDir?: string } = {}) {
    this.#modelDir = options.modelDir ?? defaultModelDir();
  }

  /** Loads the model now (instead of on the first image); resolves with it. */
  warm(): Promise<LoadedModel> {
    return loadCenterNet(this.#modelDir);
  }

  async detectLabels(image: Uint8Array, options: DetectLabelsOptions = {}): Promise<DetectLabelsResult> {
    const loaded = await this.warm();
    const input = await toModelInput(image, loaded.inputSide);
    const detections = await runCenterNet(loaded, input.rgb);
    return detectionsToLabels(detections, input, {
      minConfidence: options.minConfidence ?? DEFAULT_MIN_CONFIDENCE,
      maxLabels: options.maxLabels,
    });
  }
}
