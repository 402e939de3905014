#!/usr/bin/env node
// The LocalStack and AWS commands behind the Makefile:
//   node scripts/localstack.mjs local-up       docker compose up, wait until healthy, print the endpoint
//   node scripts/localstack.mjs local-down     docker compose down
//   node scripts/localstack.mjs deploy-local   cdklocal bootstrap (once) + deploy --all, print the outputs
//   node scripts/localstack.mjs deploy         cdk deploy --all to AWS (your AWS configuration)
//   node scripts/localstack.mjs destroy        cdk destroy --all on AWS
// Environment: STAGE (default dev), AWS_ENDPOINT_URL (LocalStack endpoint for deploy-local, default
// http://localhost:4566), LOCALSTACK_UP_TIMEOUT (seconds, default 180), CDK_ARGS (extra cdk arguments,
// e.g. "--require-approval never" in CI). --dry-run prints the cdk/cdklocal commands instead of running them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONTAINER = process.env.LOCALSTACK_CONTAINER_NAME || 'size-tracker-localstack';
const DEFAULT_ENDPOINT = 'http://localhost:4566';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const DOCKER_REQUIRED =
  'Docker is required for the LocalStack target: install Docker Desktop or Docker Engine, or use `make demo` for the embedded target';

class Refusal extends Error {}

/** Hosts that can only be a local emulator, never AWS. */
export function isLocalEndpoint(value) {
  let host;
  try {
    host = new URL(value).hostname.toLowerCase();
  } catch {
    host = String(value).toLowerCase();
  }
  host = host.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '::1' ||
    host === '0.0.0.0' ||
    /^127\./.test(host) ||
    host === 'localstack' ||
    host.includes('localstack') ||
    host === 'host.docker.internal'
  );
}

/** Why `make deploy` must not run with this environment, or undefined when it may. */
export function awsDeployRefusal(env) {
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (name.startsWith('AWS_ENDPOINT_URL') && isLocalEndpoint(value)) {
      return `refusing to touch AWS: ${name}=${value} points at LocalStack/localhost; unset it, or use \`make deploy-local\``;
    }
    if (['LOCALSTACK_HOSTNAME', 'LOCALSTACK_HOST', 'LOCALSTACK_ENDPOINT', 'EDGE_PORT'].includes(name)) {
      return `refusing to touch AWS: ${name}=${value} is a LocalStack endpoint setting; unset it, or use \`make deploy-local\``;
    }
  }
  return undefined;
}

export function stageOf(env) {
  const stage = env.STAGE || 'dev';
  if (!/^[a-z][a-z0-9-]{0,20}$/.test(stage)) {
    throw new Refusal(`STAGE must be lowercase letters, digits and dashes (max 21), got "${stage}"`);
  }
  return stage;
}

function extraCdkArgs(env) {
  return (env.CDK_ARGS ?? '').split(/\s+/).filter(Boolean);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root, ...options });
  return {
    status: result.error ? -1 : (result.status ?? 1),
    stdout: result.stdout ?? '',
    stderr: result.stderr ?? '',
  };
}

function commandLine(command, args) {
  return [command, ...args].map((part) => (/[\s"'$]/.test(part) ? JSON.stringify(part) : part)).join(' ');
}

/** `docker compose` (v2) or `docker-compose` (v1); refuses with one line when neither is there or the engine is down. */
function compose() {
  const docker = capture('docker', ['version', '--format', '{{.Client.Version}}']);
  if (docker.status === -1) throw new Refusal(DOCKER_REQUIRED);
  const info = capture('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (info.status !== 0) {
    throw new Refusal(
      'Docker is installed but its engine is not running (`docker info` failed): start Docker Desktop or the Docker service, or use `make demo` for the embedded target',
    );
  }
  if (capture('docker', ['compose', 'version']).status === 0) return ['docker', ['compose']];
  if (capture('docker-compose', ['version']).status === 0) return ['docker-compose', []];
  throw new Refusal(
    'Docker Compose is required for `make local-up`: install the Docker Compose plugin (`docker compose`), or use `make test-integration TARGET=localstack` (Testcontainers) or `make demo`',
  );
}

async function health(endpoint, timeoutMs = 2000) {
  try {
    const response = await fetch(new URL('/_localstack/health', endpoint), {
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return undefined;
    const body = await response.json();
    return body && typeof body === 'object' && 'services' in body ? body : undefined;
  } catch {
    return undefined;
  }
}

function portInUse(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function containerState() {
  const state = capture('docker', ['inspect', '-f', '{{.State.Status}}', CONTAINER]);
  return state.status === 0 ? state.stdout.trim() : undefined;
}

async function localUp(env) {
  const [bin, base] = compose();
  const endpoint = DEFAULT_ENDPOINT;
  if (containerState() !== 'running' && (await portInUse(4566))) {
    throw new Refusal(
      'port 4566 is already in use by something else (another LocalStack?): stop it (`docker ps`, `lsof -i :4566`) and run `make local-up` again',
    );
  }
  const image = env.LOCALSTACK_IMAGE || 'localstack/localstack:4.14.0';
  console.log(`Starting LocalStack (${image}) with docker compose...`);
  if (run(bin, [...base, 'up', '-d']) !== 0) {
    throw new Refusal(
      '`docker compose up -d` failed (see above): image pull, port 4566 or the Docker socket',
    );
  }
  const timeoutS = Number(env.LOCALSTACK_UP_TIMEOUT || 180);
  const deadline = Date.now() + timeoutS * 1000;
  process.stdout.write('Waiting for LocalStack to be healthy');
  for (;;) {
    const body = await health(endpoint);
    if (body) {
      process.stdout.write('\n');
      console.log(
        `LocalStack ${body.version ?? ''} (${body.edition ?? 'unknown edition'}) is ready at ${endpoint}`,
      );
      console.log('Point the AWS CLI or SDK at it with:');
      console.log(
        `  export AWS_ENDPOINT_URL=${endpoint} AWS_REGION=${REGION} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`,
      );
      console.log('Next: make deploy-local');
      return 0;
    }
    const state = containerState();
    if (state && state !== 'running' && state !== 'created' && state !== 'restarting') {
      process.stdout.write('\n');
      run('docker', ['logs', '--tail', '20', CONTAINER]);
      throw new Refusal(
        `the LocalStack container stopped (${state}); newer images need LOCALSTACK_AUTH_TOKEN, the pinned 4.14.0 does not (see the logs above)`,
      );
    }
    if (Date.now() > deadline) {
      process.stdout.write('\n');
      throw new Refusal(
        `LocalStack did not become healthy within ${timeoutS} s (raise LOCALSTACK_UP_TIMEOUT, or see \`docker logs ${CONTAINER}\`)`,
      );
    }
    process.stdout.write('.');
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function localDown() {
  const [bin, base] = compose();
  return run(bin, [...base, 'down', '--remove-orphans']);
}

/** CloudFormation DescribeStacks through LocalStack (which does not check signatures): does CDKToolkit exist? */
async function bootstrapStackExists(endpoint) {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${REGION}/cloudformation/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: 'Action=DescribeStacks&StackName=CDKToolkit&Version=2010-05-15',
      signal: AbortSignal.timeout(5000),
    });
    const text = await response.text();
    return response.ok && text.includes('CDKToolkit') && !/DELETE_COMPLETE|ROLLBACK_COMPLETE/.test(text);
  } catch {
    return false;
  }
}

/**
 * The environment cdklocal runs in. Asset publishing must address S3 by path: on a Docker host that
 * is not loopback (a remote daemon, Docker in a VM) `<bucket>.<host>` does not resolve. aws-cdk-local
 * 3.0.4 reads AWS_S3_FORCE_PATH_STYLE wrongly (bin/cdklocal: `isEnvTrue(process.env.AWS_S3_FORCE_PATH_STYLE)`
 * passes the value where the variable's name is expected, so it is never true), and the CDK CLI
 * forces path style by itself only for loopback endpoints; CDK_S3_FORCE_PATH_STYLE is what the CLI reads.
 */
export function cdklocalEnv(env, endpoint) {
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3 || endpoint,
    AWS_S3_FORCE_PATH_STYLE: '1',
    CDK_S3_FORCE_PATH_STYLE: '1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ENVAR_ALLOWLIST: 'AWS_REGION,AWS_DEFAULT_REGION,AWS_S3_FORCE_PATH_STYLE',
  };
}

async function deployLocal(env, dryRun) {
  const endpoint = (env.AWS_ENDPOINT_URL || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  if (/amazonaws\.com/i.test(endpoint)) {
    throw new Refusal(
      `refusing: deploy-local needs a LocalStack endpoint, and AWS_ENDPOINT_URL=${endpoint} is AWS`,
    );
  }
  const body = await health(endpoint);
  if (!body) {
    throw new Refusal(
      `deploy-local needs a running LocalStack, and nothing answers at ${endpoint}/_localstack/health: run \`make local-up\` first, or set AWS_ENDPOINT_URL to your LocalStack`,
    );
  }
  const stage = stageOf(env);
  const cdklocal = join(root, 'node_modules', '.bin', 'cdklocal');
  const childEnv = cdklocalEnv(env, endpoint);
  const context = ['-c', `stage=${stage}`];
  console.log(`LocalStack ${body.version ?? ''} at ${endpoint}; stage "${stage}"`);

  if (await bootstrapStackExists(endpoint)) {
    console.log('CDK bootstrap stack (CDKToolkit) already exists: skipping cdklocal bootstrap');
  } else {
    const args = ['bootstrap', `aws://${ACCOUNT}/${REGION}`, ...context];
    if (dryRun) console.log(commandLine('cdklocal', args));
    else if (run(cdklocal, args, { env: childEnv }) !== 0)
      throw new Refusal('cdklocal bootstrap failed (see above)');
  }

  mkdirSync(join(root, 'out'), { recursive: true });
  const outputsFile = join('out', `localstack-outputs-${stage}.json`);
  const args = [
    'deploy',
    '--all',
    '--require-approval',
    'never',
    '--outputs-file',
    outputsFile,
    ...context,
    ...extraCdkArgs(env),
  ];
  if (dryRun) {
    console.log(commandLine('cdklocal', args));
    return 0;
  }
  if (run(cdklocal, args, { env: childEnv }) !== 0) throw new Refusal('cdklocal deploy failed (see above)');
  printOutputs(join(root, outputsFile), endpoint);
  return 0;
}

/**
 * How to get the value of each API key the stacks output (`*ApiKeyId`): the key's value is never an
 * output, GetApiKey with --include-value reads it. `endpoint`: the LocalStack one, or none for AWS.
 */
export function apiKeyHints(outputs, endpoint) {
  const lines = [];
  for (const values of Object.values(outputs)) {
    for (const [key, id] of Object.entries(values)) {
      if (!key.endsWith('ApiKeyId')) continue;
      lines.push(
        `The plot API needs its API key in the x-api-key header (${key} ${id}); its value:`,
        `  aws apigateway get-api-key --api-key ${id} --include-value --query value --output text${endpoint ? ` --endpoint-url ${endpoint}` : ''}`,
      );
    }
  }
  return lines;
}

function printOutputs(file, endpoint) {
  const outputs = JSON.parse(readFileSync(file, 'utf8'));
  console.log(`\nOutputs (also in ${file}):`);
  for (const [stack, values] of Object.entries(outputs)) {
    for (const [key, value] of Object.entries(values)) {
      console.log(`  ${stack}.${key} = ${value}`);
      const api = /^https?:\/\/([a-z0-9]+)\.execute-api\.[^/]+(\/.*)?$/i.exec(String(value));
      if (api)
        console.log(
          `  ${' '.repeat(stack.length + key.length + 1)}   on LocalStack: ${endpoint}/_aws/execute-api/${api[1]}${api[2] ?? '/'}`,
        );
    }
  }
  for (const line of apiKeyHints(outputs, endpoint)) console.log(line);
}

function awsCdk(env, verb, dryRun) {
  const refusal = awsDeployRefusal(env);
  if (refusal) throw new Refusal(refusal);
  const stage = stageOf(env);
  // deploy keeps its outputs, to say how to read the API key's value afterwards
  const outputsFile = join('out', `aws-outputs-${stage}.json`);
  const outputsArgs = verb === 'deploy' ? ['--outputs-file', outputsFile] : [];
  const args = ['cdk', verb, '--all', ...outputsArgs, '-c', `stage=${stage}`, ...extraCdkArgs(env)];
  if (dryRun) {
    console.log(commandLine('npx', args));
    return 0;
  }
  console.log(
    `${verb === 'deploy' ? 'Deploying' : 'Destroying'} stage "${stage}" on AWS with your AWS configuration`,
  );
  if (verb === 'deploy') mkdirSync(join(root, 'out'), { recursive: true });
  const code = run('npx', ['--no-install', ...args]);
  if (code === 0 && verb === 'deploy' && existsSync(join(root, outputsFile))) {
    for (const line of apiKeyHints(JSON.parse(readFileSync(join(root, outputsFile), 'utf8'))))
      console.log(line);
  }
  return code;
}

export async function main(argv, env) {
  const dryRun = argv.includes('--dry-run');
  const [command] = argv.filter((arg) => !arg.startsWith('--'));
  try {
    switch (command) {
      case 'local-up':
        return await localUp(env);
      case 'local-down':
        return localDown();
      case 'deploy-local':
        return await deployLocal(env, dryRun);
      case 'deploy':
        return awsCdk(env, 'deploy', dryRun);
      case 'destroy':
        return awsCdk(env, 'destroy', dryRun);
      default:
        console.error(
          'usage: node scripts/localstack.mjs local-up|local-down|deploy-local|deploy|destroy [--dry-run]',
        );
        return 2;
    }
  } catch (err) {
    if (err instanceof Refusal) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
