// `make embedded-up`: the embedded cloud in the foreground, state in .local/, until Ctrl-C.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { readAssembly } from '../emulator/cloudformation/assembly.ts';
import { ignoredResources } from '../emulator/cloudformation/ignored.ts';
import { startLocalCloud } from '../emulator/local-cloud.ts';
import { eventsOptionsFromEnv } from '../emulator/s3/delivery/options.ts';
import { repoRoot } from '../infra/paths.ts';
import { ensureAssembly, ensurePetAssembly } from '../integration/targets/assembly.ts';
import { printApiKeys } from './api-keys.ts';
import { progress, runMain } from './cli.ts';

function portOption(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${name} must be a port number, got "${raw}"`);
  return port;
}

runMain(async () => {
  // ASSEMBLY=<a cdk.out>: any CDK app's synthesized assembly, with its own state folder by default;
  // APP=pet (make embedded-up APP=pet): the PetDetector's assembly, cdk.out.pet
  const foreign = process.env.ASSEMBLY ? resolve(process.env.ASSEMBLY) : undefined;
  const pet = !foreign && process.env.APP === 'pet';
  const assemblyDir = foreign ?? (pet ? await ensurePetAssembly(progress) : await ensureAssembly(progress));
  const defaultState = foreign
    ? join(repoRoot, '.local', `assembly-${createHash('sha256').update(foreign).digest('hex').slice(0, 8)}`)
    : join(repoRoot, '.local', pet ? 'cloud-pet' : 'cloud');
  const apiPort = portOption('API_PORT');
  const s3Port = portOption('S3_PORT');
  const dynamodbPort = portOption('DYNAMODB_PORT');
  const snsPort = portOption('SNS_PORT');
  const sqsPort = portOption('SQS_PORT');
  const sfnPort = portOption('SFN_PORT');
  // EVENTS=aws|localstack-4.14|ideal, EVENTS_SEED, EVENTS_DUPLICATE_RATE, ... (emulator/s3/delivery/options.ts)
  const events = eventsOptionsFromEnv(process.env);
  const cloud = await startLocalCloud({
    assemblyDir,
    stateDir: process.env.STATE_DIR ?? defaultState,
    log: progress,
    echoFunctionLogs: process.env.QUIET !== '1',
    runSchedulesOnTimer: true,
    ...(apiPort ? { apiPort } : {}),
    ...(s3Port ? { s3Port } : {}),
    ...(dynamodbPort ? { dynamodbPort } : {}),
    ...(snsPort ? { snsPort } : {}),
    ...(sqsPort ? { sqsPort } : {}),
    ...(sfnPort ? { sfnPort } : {}),
    ...(events ? { events } : {}),
  });

  console.log('\nThe embedded cloud is up. Endpoints:');
  console.log(`  S3        ${cloud.endpoints.s3}   (path-style)`);
  console.log(`  DynamoDB  ${cloud.endpoints.dynamodb}`);
  console.log(`  APIs      ${cloud.endpoints.api}`);
  console.log(`  SNS       ${cloud.endpoints.sns}`);
  console.log(`  SQS       ${cloud.endpoints.sqs}   (queues are kept in the state folder)`);
  console.log(`  Step Fn   ${cloud.endpoints.sfn}`);
  if (cloud.endpoints.rekognition)
    console.log(`  Rekognition ${cloud.endpoints.rekognition}   (DetectLabels, local model)`);
  console.log(
    `  Emails    ${cloud.emailOutbox}   (email/email-json subscriptions: one .eml file per message)`,
  );
  const delivery = cloud.eventDelivery();
  console.log(
    `  S3 events ${delivery.profile}${delivery.profile === 'ideal' ? '' : ` (EVENTS_SEED=${delivery.seed} replays it)`}`,
  );
  console.log('\nStack outputs:');
  for (const [stack, outputs] of Object.entries(cloud.outputs)) {
    for (const [key, value] of Object.entries(outputs)) {
      // ExportsOutput* are CDK's cross-stack plumbing, not for people.
      if (!key.startsWith('ExportsOutput')) console.log(`  ${stack}.${key} = ${value}`);
    }
  }
  // alarms and dashboards deploy (the templates stay the ones AWS gets) but nothing evaluates them
  const notEvaluated = ignoredResources(readAssembly(assemblyDir).stacks).filter((r) =>
    r.type.startsWith('AWS::CloudWatch::'),
  );
  if (notEvaluated.length > 0) {
    console.log('\nAccepted, not evaluated (CloudWatch is not emulated):');
    for (const r of notEvaluated) console.log(`  ${r.stack}.${r.logicalId}  ${r.type}`);
  }
  console.log('\nPoint the AWS CLI or an SDK at it (paste into a shell):');
  console.log(`  export AWS_ENDPOINT_URL_S3=${cloud.endpoints.s3}`);
  console.log(`  export AWS_ENDPOINT_URL_DYNAMODB=${cloud.endpoints.dynamodb}`);
  console.log(`  export AWS_ENDPOINT_URL_SNS=${cloud.endpoints.sns}`);
  console.log(`  export AWS_ENDPOINT_URL_SQS=${cloud.endpoints.sqs}`);
  console.log(`  export AWS_ENDPOINT_URL_SFN=${cloud.endpoints.sfn}`);
  if (cloud.endpoints.rekognition)
    console.log(`  export AWS_ENDPOINT_URL_REKOGNITION=${cloud.endpoints.rekognition}`);
  console.log(`  export AWS_ENDPOINT_URL_API_GATEWAY=${cloud.endpoints.api}   # API keys, usage plans`);
  console.log(`  export AWS_REGION=${cloud.region} AWS_DEFAULT_REGION=${cloud.region}`);
  console.log('  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local');
  await printApiKeys(cloud);
  console.log('\nFunction logs follow. Ctrl-C stops the cloud (state is kept).\n');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      progress(`${signal}: stopping...`);
      cloud.stop().then(resolve, (err: unknown) => {
        console.error(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
        resolve();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  progress('stopped');
});
