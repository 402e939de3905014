import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalCloud } from '../../emulator/local-cloud.ts';
import { apiKeyValueAt } from '../targets/api-key.ts';
import { ensurePetAssembly } from '../targets/assembly.ts';
import type { PetTarget } from './target.ts';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const REVIEWER = 'reviewer@example.com';

/** The PetDetector on the embedded cloud (cdk.out.pet), alerts read from its SNS email outbox. */
export async function startEmbeddedPetTarget(
  options: { dynamodbEndpoint?: string } = {},
): Promise<PetTarget> {
  const assemblyDir = await ensurePetAssembly();
  const cloud = await startLocalCloud({
    assemblyDir,
    stateDir: null,
    ...(options.dynamodbEndpoint ? { dynamodbEndpoint: options.dynamodbEndpoint } : {}),
    log: () => {},
  });
  try {
    const outputs = Object.assign({}, ...Object.values(cloud.outputs)) as Record<string, string>;
    const region = cloud.region;
    const sns = new SNSClient({ endpoint: cloud.endpoints.sns, region, credentials });
    await sns.send(
      new SubscribeCommand({ TopicArn: outputs.AlertTopicArn, Protocol: 'email', Endpoint: REVIEWER }),
    );
    sns.destroy();
    const s3 = new S3Client({ endpoint: cloud.endpoints.s3, region, credentials, forcePathStyle: true });
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: cloud.endpoints.dynamodb, region, credentials }),
    );
    const sfn = new SFNClient({ endpoint: cloud.endpoints.sfn, region, credentials });
    const starter = Object.values(cloud.functions).find((f) =>
      f.logicalId.startsWith('StartWorkflowFunction'),
    );
    if (!starter) throw new Error('no StartWorkflowFunction in the PetDetector assembly');
    return {
      name: 'embedded',
      apiUrl: (outputs.ApiUrl as string).replace(/\/$/, ''),
      apiKey: await apiKeyValueAt(cloud.endpoints.api, region, outputs.ApiKeyId as string),
      bucket: outputs.ImagesBucketName as string,
      detectionTable: outputs.DetectionTableName as string,
      countsTable: outputs.LabelCountsTableName as string,
      stateMachineArn: outputs.StateMachineArn as string,
      s3,
      db,
      sfn,
      patienceSeconds: 240,
      async alerts() {
        return cloud
          .outbox()
          .filter((email) => email.to === REVIEWER)
          .map((email) => ({ subject: email.subject, body: email.body }));
      },
      async deliverS3Event(event) {
        await cloud.invoke(starter.name, event);
      },
      whenIdle: () => cloud.whenIdle(),
      async stop() {
        s3.destroy();
        db.destroy();
        sfn.destroy();
        await cloud.stop();
      },
    };
  } catch (err) {
    await cloud.stop();
    throw err;
  }
}
