// The embedded SQS alone, as a plain Node process (type stripping), for the SIGKILL test: state in
// SQS_DATA_DIR, prints its endpoint on stdout once it listens.
import { startSqsServer } from '../../../emulator/sqs/server.ts';
import { SqsService } from '../../../emulator/sqs/service.ts';

const service = new SqsService({
  region: 'us-east-1',
  accountId: '000000000000',
  dataDir: process.env.SQS_DATA_DIR ?? null,
});
const server = await startSqsServer({ service });
process.stdout.write(`${server.endpoint}\n`);
