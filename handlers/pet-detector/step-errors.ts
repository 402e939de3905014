/**
 * Errors as the workflow sees them (the Lambda error's name is the state's Error): retryable service
 * trouble is `ServiceUnavailable` (Retry with backoff), a bad image `InvalidImage` (no retry: Catch).
 */
export class InvalidImageError extends Error {
  override readonly name = 'InvalidImage';
}

export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailable';
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'InternalServerError',
  'ServiceUnavailable',
  'SlowDown',
  'TimeoutError',
  'RequestTimeout',
  'ECONNRESET',
  'ECONNREFUSED',
]);

/** Maps an SDK error to the workflow's names; InvalidImageFormatException is the image's fault. */
export function classifyStepError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  if (err instanceof InvalidImageError || err instanceof ServiceUnavailableError) return err;
  const name = err.name;
  const code = (err as { code?: string }).code;
  if (name === 'InvalidImageFormatException' || name === 'ImageTooLargeException') {
    return new InvalidImageError(`${name}: ${err.message}`);
  }
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  if (RETRYABLE.has(name) || (code !== undefined && RETRYABLE.has(code)) || status >= 500) {
    return new ServiceUnavailableError(`${name}: ${err.message}`);
  }
  return err;
}
