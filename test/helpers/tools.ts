import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/**
 * Whether a reference tool a test drives is installed. Run locally without it, the test is
 * skipped with the package that provides it; under CI (CI=true), where .ci/run installs every
 * one, the test fails instead: a skipped test would pass there without testing anything.
 */
export function haveTool(t: TestContext, installed: boolean, tool: string): boolean {
  if (installed) return true;
  assert.ok(!process.env.CI, `${tool} is not installed: .ci/run must install it`);
  t.skip(`${tool} is not installed`);
  return false;
}

/** haveTool for a program at a fixed path. */
export const haveProgram = (t: TestContext, path: string, tool: string): boolean => haveTool(t, existsSync(path), tool);
