// Functions of the authorizer / non-proxy integration fixture app (test/emulator/apigateway/authz-fixture-app.ts).

// A TOKEN authorizer: the token is `<kind>:<user>[:<api key>]`; each call logs one AUTHORIZE line.
export const authorize = async (event) => {
  console.log(`AUTHORIZE ${event.type} ${event.authorizationToken} ${event.methodArn}`);
  const [kind, user = 'anon', key] = event.authorizationToken.split(':');
  if (kind === 'unauthorized') throw new Error('Unauthorized');
  if (kind === 'boom') throw new Error('database down');
  if (kind === 'bad') return { principalId: user };
  if (kind === 'nested') return policy(user, 'Allow', '*', { deep: { no: 'objects' } });
  // arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>
  const [api, stage] = event.methodArn.split('/');
  const resource =
    kind === 'allow-one'
      ? event.methodArn
      : kind === 'elsewhere'
        ? `${api}/${stage}/DELETE/nothing`
        : `${api}/${stage}/*/*`;
  const effect = kind === 'deny' ? 'Deny' : 'Allow';
  return {
    ...policy(user, effect, resource, { user, count: 42, admin: true }),
    ...(key ? { usageIdentifierKey: key } : {}),
  };
};

// A REQUEST authorizer: allows tenant "acme" for any X-User, with both in its context.
export const authorizeRequest = async (event) => {
  const user = event.headers?.['X-User'] ?? event.headers?.['x-user'];
  const tenant = event.queryStringParameters?.tenant;
  console.log(
    `AUTHORIZE ${event.type} ${user} ${tenant} ${event.methodArn} ${event.resource} ${event.httpMethod}`,
  );
  const effect = tenant === 'acme' ? 'Allow' : 'Deny';
  return policy(user, effect, event.methodArn, { tenant, user });
};

const policy = (principalId, effect, resource, context) => ({
  principalId,
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
  },
  context,
});

// A proxy integration that answers with what it received.
export const echo = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    authorizer: event.requestContext.authorizer ?? null,
    identity: event.requestContext.identity,
  }),
});

// A non-proxy integration: its input is what the request template made; errors map by message.
export const greet = async (input) => {
  if (input.name === 'ghost') throw new Error('NotFound: no user ghost');
  if (input.name === '') throw new Error('Invalid: a name is needed');
  if (input.name === 'crash') throw new Error('something else');
  return { message: `hello ${input.name}`, who: input.who, tenant: input.tenant, raw: input.raw };
};

// Invoked with X-Amz-Invocation-Type: Event.
export const record = async (input) => {
  await new Promise((resolve) => setTimeout(resolve, 400));
  console.log(`RECORDED ${JSON.stringify(input)}`);
  return 'ignored';
};
