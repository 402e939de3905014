/**
 * What a label detector answers, in the shape of Amazon Rekognition's DetectLabels response, so that
 * the same code reads the answer of Rekognition on AWS and of the local model everywhere else.
 */

/** Box in fractions of the image's width and height, origin top left (Rekognition's BoundingBox). */
export interface BoundingBox {
  readonly Width: number;
  readonly Height: number;
  readonly Left: number;
  readonly Top: number;
}

export interface LabelInstance {
  readonly BoundingBox: BoundingBox;
  /** 0..100 */
  readonly Confidence: number;
}

export interface DetectedLabel {
  /** Title Case, as Rekognition writes it: "Cat", "Dog", "Person", "Teddy Bear". */
  readonly Name: string;
  /** 0..100 */
  readonly Confidence: number;
  readonly Instances: readonly LabelInstance[];
  readonly Parents: readonly { readonly Name: string }[];
}

export interface DetectLabelsResult {
  /** Highest confidence first. */
  readonly Labels: readonly DetectedLabel[];
  readonly LabelModelVersion: string;
}

export interface DetectLabelsOptions {
  /** Only labels at or above this confidence (0..100). Rekognition's default is 55. */
  readonly minConfidence?: number;
  /** At most this many labels, highest confidence first. */
  readonly maxLabels?: number;
}

/** Image bytes (JPEG or PNG, as Rekognition accepts) → labels with confidence. */
export interface LabelDetector {
  detectLabels(image: Uint8Array, options?: DetectLabelsOptions): Promise<DetectLabelsResult>;
}

/** Rekognition's default MinConfidence when a request leaves it out. */
export const DEFAULT_MIN_CONFIDENCE = 55;

/** The image is neither JPEG nor PNG, or cannot be decoded (Rekognition: InvalidImageFormatException). */
export class InvalidImageFormatError extends Error {
  override readonly name = 'InvalidImageFormatError';
}
