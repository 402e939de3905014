import {
  type ClassifierThresholds,
  LOCAL_MODEL_THRESHOLDS,
  REKOGNITION_THRESHOLDS,
  validateThresholds,
} from '../../../classifier/classify.ts';
import { LABEL_MODEL_VERSION } from '../../../classifier/local/detections.ts';

/**
 * The thresholds for the model that answered: the local CenterNet (which the embedded Rekognition
 * names in LabelModelVersion) scores lower than Amazon Rekognition, so the same template classifies
 * right on every target. A configured override (CLASSIFIER_THRESHOLDS, JSON) wins.
 */
export function thresholdsFor(labelModelVersion: string, override?: string): ClassifierThresholds {
  if (override !== undefined && override.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(override);
    } catch {
      throw new Error('CLASSIFIER_THRESHOLDS: not valid JSON');
    }
    const base = labelModelVersion === LABEL_MODEL_VERSION ? LOCAL_MODEL_THRESHOLDS : REKOGNITION_THRESHOLDS;
    return validateThresholds({ ...base, ...(parsed as Partial<ClassifierThresholds>) });
  }
  return labelModelVersion === LABEL_MODEL_VERSION ? LOCAL_MODEL_THRESHOLDS : REKOGNITION_THRESHOLDS;
}
