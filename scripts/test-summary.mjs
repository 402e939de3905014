// Prints vitest JSON reports as one closing line: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  } catch (err) {
    console.error(`no test report at ${file}: ${err.message}`);
    process.exitCode = 1;
  }
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
