import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  coveringTests,
  DOC_FILE,
  renderOperationsDoc,
  REPO,
  ruleCodes,
  testCases,
} from '../../scripts/gen-operations-doc.js';
import { OPERATIONS } from '../../src/dialects/aliyun/operations/index.js';

test('docs/operations.md is what scripts/gen-operations-doc.ts generates (regenerate: node --import tsx scripts/gen-operations-doc.ts)', async () => {
  assert.equal(readFileSync(join(REPO, DOC_FILE), 'utf8'), await renderOperationsDoc());
});

test('every parameter rule of ModifyInstanceAttribute and ModifyInstanceVncPasswd has a test named after its code', () => {
  const tests = testCases();
  for (const action of ['ModifyInstanceAttribute', 'ModifyInstanceVncPasswd']) {
    const op = OPERATIONS.find((o) => o.action === action)!;
    const codes = ruleCodes(op);
    assert.ok(codes.length > 0, `${action} has rules`);
    for (const code of codes)
      assert.ok(coveringTests(code, tests).length > 0, `${action}: no test is named after ${code}`);
  }
});

test('a test covers a code only when its name holds the whole code', () => {
  const tests = [
    { file: 'a', name: 'InvalidParameter.CpuOptionsCore 403: cores' },
    { file: 'b', name: 'a bad value: InvalidParameter.' },
    { file: 'c', name: 'XInvalidParameter 400' },
  ];
  assert.deepEqual(
    coveringTests('InvalidParameter', tests).map((t) => t.file),
    ['b'],
  );
  assert.deepEqual(
    coveringTests('InvalidParameter.CpuOptionsCore', tests).map((t) => t.file),
    ['a'],
  );
});
