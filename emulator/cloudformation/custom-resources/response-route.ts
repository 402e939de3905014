/**
 * Preloaded into every Node.js function (NODE_OPTIONS --import). CDK's provider framework, its
 * bundled handlers (auto-delete-objects...) and cfn-response all PUT the response with
 * `https.request({ hostname, path })`: port 443 and TLS whatever the ResponseURL says. Such a
 * request for this cloud's ResponseURLs (127.0.0.1, path /cloudformation-response/) is sent to the
 * loopback response endpoint over plain HTTP instead, as is `https.request(event.ResponseURL)`
 * (which would refuse the URL's `http:`); every other request is untouched.
 * Erasable TypeScript only: Node strips the types.
 */

// Not `import http from 'node:http'`: an ESM import of node:http makes Node load its lazy exports
// (WebSocket... from undici, ~20 ms) in every function's cold start; the CommonJS objects suffice.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

const port = Number(process.env._EMBEDDED_CFN_RESPONSE_PORT);
const PREFIX = '/cloudformation-response/';

type Args = unknown[];

function target(args: Args): { options: Record<string, unknown>; callback?: unknown } | undefined {
  let [first, second, third] = args;
  let options: Record<string, unknown>;
  if (typeof first === 'string' || first instanceof URL) {
    const url = new URL(String(first));
    options = { hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}` };
    if (typeof second === 'object' && second !== null) options = { ...options, ...second };
    else third = second;
  } else if (typeof first === 'object' && first !== null) {
    options = { ...(first as Record<string, unknown>) };
    third = second;
  } else return undefined;
  const host = String(options.hostname ?? options.host ?? '').replace(/:\d+$/, '');
  const path = String(options.path ?? '');
  const portGiven = options.port === undefined || options.port === '' ? 443 : Number(options.port);
  // 443: the host and path taken from the URL (cfn-response's way); the endpoint's own port: the whole URL
  const ours = portGiven === 443 || portGiven === port;
  if (!['127.0.0.1', 'localhost'].includes(host) || !ours || !path.startsWith(PREFIX)) return undefined;
  const { agent: _agent, host: _host, ...rest } = options;
  return { options: { ...rest, protocol: 'http:', hostname: '127.0.0.1', port }, callback: third };
}

if (Number.isInteger(port) && port > 0) {
  const originalRequest = https.request;
  const originalGet = https.get;
  const reroute = (original: typeof https.request, send: typeof http.request) =>
    ((...args: Args) => {
      const local = target(args);
      if (!local) return (original as (...a: Args) => unknown)(...args);
      return local.callback === undefined
        ? send(local.options)
        : send(local.options, local.callback as never);
    }) as typeof https.request;
  https.request = reroute(originalRequest, http.request);
  https.get = reroute(originalGet, http.get) as typeof https.get;
}
