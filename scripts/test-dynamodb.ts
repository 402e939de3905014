/**
 * One DynamoDB Local for both phases of `make test` (scripts/test-all.sh): the vitest run and the
 * fault campaign. It prints its endpoint as the first line on stdout and stops when stdin closes (its
 * parent is gone) or on SIGTERM/SIGINT. test/support/global-setup.ts uses it when TEST_DYNAMODB_ENDPOINT
 * is set. The campaign then runs on a JVM the first phase has already warmed up: until the JIT has
 * compiled the hot paths, each of the first ~1,500 tracker changes costs ~10 ms more JVM CPU (27.6
 * against 17.6 ms), and the JVM starts once instead of twice.
 */
import { startDynamoDbLocal } from '../emulator/dynamodb/server.ts';

const dynamodb = await startDynamoDbLocal({ longRunning: true });
process.stdout.write(`${dynamodb.endpoint}\n`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void dynamodb.stop().then(() => process.exit(0));
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
