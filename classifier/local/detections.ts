import type { DetectedLabel, DetectLabelsResult, LabelInstance } from '../labels.ts';
import type { RawDetection } from './centernet-model.ts';
import { COCO_LABELS } from './coco-labels.ts';
import { PARENTS } from './taxonomy.ts';

/** Where the image sits in the model's letterboxed input. */
export interface Placement {
  readonly scale: number;
  readonly width: number;
  readonly height: number;
}

export interface LabelSelection {
  readonly minConfidence: number;
  readonly maxLabels?: number;
}

export const LABEL_MODEL_VERSION = 'centernet-mobilenetv3-coco (@vladmandic/human 3.3.6)';

/** Boxes of one class overlapping more than this are one object: the weaker box is dropped. */
const SAME_OBJECT_IOU = 0.5;

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const clamp01 = (value: number) => Math.min(1, Math.max(0, value));

function iou(a: LabelInstance['BoundingBox'], b: LabelInstance['BoundingBox']): number {
  const left = Math.max(a.Left, b.Left);
  const top = Math.max(a.Top, b.Top);
  const right = Math.min(a.Left + a.Width, b.Left + b.Width);
  const bottom = Math.min(a.Top + a.Height, b.Top + b.Height);
  const overlap = Math.max(0, right - left) * Math.max(0, bottom - top);
  const union = a.Width * a.Height + b.Width * b.Height - overlap;
  return union > 0 ? overlap / union : 0;
}

function instanceOf(detection: RawDetection, placement: Placement): LabelInstance {
  const [x1, y1, x2, y2, score] = detection;
  const left = clamp01(x1 / placement.scale / placement.width);
  const top = clamp01(y1 / placement.scale / placement.height);
  const right = clamp01(x2 / placement.scale / placement.width);
  const bottom = clamp01(y2 / placement.scale / placement.height);
  return {
    BoundingBox: {
      Width: round(Math.max(0, right - left), 5),
      Height: round(Math.max(0, bottom - top), 5),
      Left: round(left, 5),
      Top: round(top, 5),
    },
    Confidence: round(score * 100, 3),
  };
}

/**
 * The model's raw detections → Rekognition-shaped labels: one label per COCO class seen (its
 * confidence = its best instance), its instances after per-class non-maximum suppression, and its
 * parent labels (Pet, Mammal, Animal, …) as labels of their own, as Rekognition lists them.
 */
export function detectionsToLabels(
  detections: readonly RawDetection[],
  placement: Placement,
  selection: LabelSelection,
): DetectLabelsResult {
  const instancesByName = new Map<string, LabelInstance[]>();
  const sorted = [...detections].sort((a, b) => b[4] - a[4]);
  for (const detection of sorted) {
    const name = COCO_LABELS[detection[5]];
    if (name === undefined || !(detection[4] * 100 >= selection.minConfidence)) continue;
    const instance = instanceOf(detection, placement);
    const kept = instancesByName.get(name) ?? [];
    if (kept.some((other) => iou(other.BoundingBox, instance.BoundingBox) > SAME_OBJECT_IOU)) continue;
    kept.push(instance);
    instancesByName.set(name, kept);
  }
  const confidence = new Map<string, number>();
  for (const [name, instances] of instancesByName) {
    const best = Math.max(...instances.map((instance) => instance.Confidence));
    for (const labelName of [name, ...(PARENTS[name] ?? [])]) {
      confidence.set(labelName, Math.max(confidence.get(labelName) ?? 0, best));
    }
  }
  const labels: DetectedLabel[] = [...confidence]
    .map(([name, value]) => ({
      Name: name,
      Confidence: value,
      Instances: instancesByName.get(name) ?? [],
      Parents: (PARENTS[name] ?? []).map((parent) => ({ Name: parent })),
    }))
    .sort((a, b) => b.Confidence - a.Confidence || a.Name.localeCompare(b.Name));
  const limited = selection.maxLabels === undefined ? labels : labels.slice(0, selection.maxLabels);
  return { Labels: limited, LabelModelVersion: LABEL_MODEL_VERSION };
}
