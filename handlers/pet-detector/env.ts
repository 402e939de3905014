import { optionalIntEnv, requireEnv } from '../shared/env.ts';
import { DEFAULT_MAX_UPLOAD_BYTES, PET_ENV } from './schema.ts';

export const detectionTable = () => requireEnv(PET_ENV.detectionTable);
export const recordDays = () => optionalIntEnv(PET_ENV.recordDays, 0);
export const maxUploadBytes = () => optionalIntEnv(PET_ENV.maxUploadBytes, DEFAULT_MAX_UPLOAD_BYTES);
