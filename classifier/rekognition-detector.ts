import { DetectLabelsCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import type { DetectedLabel, DetectLabelsOptions, DetectLabelsResult, LabelDetector } from './labels.ts';

/**
 * LabelDetector over Rekognition's DetectLabels: Amazon Rekognition on AWS, or the embedded cloud's
 * Rekognition-compatible endpoint when the client is made with that endpoint.
 */
export class RekognitionLabelDetector implements LabelDetector {
  readonly #client: RekognitionClient;

  constructor(client: RekognitionClient) {
    this.#client = client;
  }

  async detectLabels(image: Uint8Array, options: DetectLabelsOptions = {}): Promise<DetectLabelsResult> {
    const response = await this.#client.send(
      new DetectLabelsCommand({
        Image: { Bytes: image },
        MinConfidence: options.minConfidence,
        MaxLabels: options.maxLabels,
      }),
    );
    const labels: DetectedLabel[] = (response.Labels ?? []).map((label) => ({
      Name: label.Name ?? '',
      Confidence: label.Confidence ?? 0,
      Instances: (label.Instances ?? []).map((instance) => ({
        BoundingBox: {
          Width: instance.BoundingBox?.Width ?? 0,
          Height: instance.BoundingBox?.Height ?? 0,
          Left: instance.BoundingBox?.Left ?? 0,
          Top: instance.BoundingBox?.Top ?? 0,
        },
        Confidence: instance.Confidence ?? 0,
      })),
      Parents: (label.Parents ?? []).map((parent) => ({ Name: parent.Name ?? '' })),
    }));
    return { Labels: labels, LabelModelVersion: response.LabelModelVersion ?? '' };
  }
}
