/**
 * The URLs templates build for a REST API (`https://<id>.execute-api.<region>.<urlSuffix>/<stage>/...`)
 * turned into working local ones. The local form mirrors LocalStack's path-based one:
 * `http://127.0.0.1:<port>/_aws/execute-api/<id>/<stage>/...`, so that one URL shape serves any
 * number of APIs without DNS. Pure.
 */
export const EXECUTE_API_PREFIX = '/_aws/execute-api';

const EXECUTE_API_URL =
  /^https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(\/[^\s]*)?$/;

/** Rewrites `value` when it is the URL of a known API; anything else is returned unchanged. */
export function localizeExecuteApiUrl(
  value: string,
  isKnownApi: (id: string) => boolean,
  apiBaseUrl: string,
): string {
  const match = EXECUTE_API_URL.exec(value);
  if (!match || !isKnownApi(match[1] as string)) return value;
  return `${apiBaseUrl}${EXECUTE_API_PREFIX}/${match[1]}${match[2] ?? '/'}`;
}
