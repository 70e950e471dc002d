// Adds up vitest JSON reports and pytest JUnit files into the one closing line CI reads.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const name of readdirSync(dir)) {
  const text = readFileSync(join(dir, name), 'utf8');
  if (name.endsWith('.json')) {
    const report = JSON.parse(text);
    passed += report.numPassedTests;
    // A file that fails to load fails no test; count it once so the run cannot look green.
    failed += report.numFailedTests || (report.success === false ? 1 : 0);
    skipped += report.numPendingTests + report.numTodoTests;
  } else if (name.endsWith('.xml')) {
    for (const m of text.matchAll(/<testsuite\b[^>]*>/g)) {
      const get = (key) => Number(new RegExp(`\\b${key}="(\\d+)"`).exec(m[0])?.[1] ?? 0);
      const total = get('tests');
      const bad = get('failures') + get('errors');
      const skip = get('skipped');
      passed += total - bad - skip;
      failed += bad;
      skipped += skip;
    }
  }
}
if (passed + failed === 0) {
  console.log('tests: 0 passed, 1 failed');
  console.error('no test ran');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
