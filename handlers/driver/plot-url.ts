/**
 * Where to send the plot request. The stack hands the driver the API's AWS URL
 * (https://<id>.execute-api.<region>.amazonaws.com/<stage>/plot). When the SDK configuration
 * overrides endpoints (AWS_ENDPOINT_URL, as LocalStack sets for its functions), that host name does
 * not resolve to the emulator, so the request goes through the override's execute-api path form,
 * which LocalStack and the embedded cloud both serve. Without an override the URL is used as it is.
 */
export function plotRequestUrl(plotApiUrl: string, endpointOverride: string | undefined): URL {
  const awsForm = /^https:\/\/([a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(\/.*)?$/.exec(
    plotApiUrl,
  );
  if (!endpointOverride || !awsForm) return new URL(plotApiUrl);
  return new URL(
    `${endpointOverride.replace(/\/+$/, '')}/_aws/execute-api/${awsForm[1]}${awsForm[2] ?? '/'}`,
  );
}
