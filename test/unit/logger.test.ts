import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LOGGER = fileURLToPath(new URL('../../src/server/logger.ts', import.meta.url));

/** Runs `body` in a fresh Node process with `log` from createLogger(); returns its stdout lines. */
function logLines(body: string): { msg: string; password?: string }[] {
  const script = `import { createLogger } from ${JSON.stringify(LOGGER)};\nconst log = createLogger();\n${body}`;
  const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });
}

test('lines logged in one turn are all written, in order, also when the process exits in that turn', () => {
  const lines = logLines("log.info('first'); log.info('second'); log.info('third'); process.exit(0);");
  assert.deepEqual(
    lines.map((line) => line.msg),
    ['first', 'second', 'third'],
  );
});

test('lines of separate turns are written as their turns end, and secrets are still redacted', () => {
  const lines = logLines(
    "log.info('one'); setTimeout(() => log.info({ request: { password: 'Secret123!' } }, 'two'), 5);",
  );
  assert.deepEqual(
    lines.map((line) => line.msg),
    ['one', 'two'],
  );
  assert.doesNotMatch(JSON.stringify(lines), /Secret123!/);
});
