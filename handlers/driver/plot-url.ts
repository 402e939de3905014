/**
 * Where to send the plot request. The stack hands the driver the API's URL in one of the forms a
 * cloud writes it:
 * - AWS: `https://<id>.execute-api.<region>.amazonaws.com[.cn]/<stage>/plot`;
 * - LocalStack 4.14 rewrites that (its CloudFormation engine, `change_set_model_preproc.py`,
 *   REGEX_OUTPUT_APIGATEWAY) to `https://<id>.execute-api.<LOCALSTACK_HOST>:4566/<stage>/plot`;
 * - LocalStack's AWS::URLSuffix unrewritten: `https://<id>.execute-api.<region>.localhost.localstack.cloud/...`.
 * When the SDK configuration overrides endpoints (AWS_ENDPOINT_URL, as LocalStack sets for its
 * functions), none of those host names is sure to resolve from where the function runs (and
 * `https` on :4566 is not what LocalStack serves there), so the request goes through the override's
 * execute-api path form, which LocalStack and the embedded cloud both serve. Without an override,
 * or for a URL already in path form, the URL is used as it is.
 */
export function plotRequestUrl(plotApiUrl: string, endpointOverride: string | undefined): URL {
  const hostForm = /^https?:\/\/([A-Za-z0-9_]+)\.execute-api\.[^/?#]+(\/[^?#]*)?$/.exec(plotApiUrl);
  if (!endpointOverride || !hostForm) return new URL(plotApiUrl);
  return new URL(
    `${endpointOverride.replace(/\/+$/, '')}/_aws/execute-api/${hostForm[1]}${hostForm[2] ?? '/'}`,
  );
}
