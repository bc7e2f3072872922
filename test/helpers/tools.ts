import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { CHROMIUM } from './chromium.js';

/** The reference programs tests drive, with the Debian package .ci/run installs each from. */
const PROGRAMS = {
  chromium: { path: CHROMIUM, package: 'chromium' },
  convert: { path: '/usr/bin/convert', package: 'imagemagick' },
  vncpasswd: { path: '/usr/bin/vncpasswd', package: 'tigervnc-tools' },
  vncsnapshot: { path: '/usr/bin/vncsnapshot', package: 'vncsnapshot' },
} as const;

/**
 * Whether a reference tool a test drives is installed. Run locally without it, the test is
 * skipped, naming the package that provides it; under CI (CI=true), where .ci/run installs every
 * one, the test fails instead: a skipped test would pass there without testing anything.
 */
export function haveTool(t: TestContext, installed: boolean, tool: string, debianPackage: string): boolean {
  if (installed) return true;
  assert.ok(!process.env.CI, `${tool} is not installed: .ci/run must install ${debianPackage}`);
  t.skip(`${tool} is not installed (apt-get install ${debianPackage})`);
  return false;
}

/** haveTool for one of the reference programs. */
export function haveProgram(t: TestContext, program: keyof typeof PROGRAMS): boolean {
  const { path, package: debianPackage } = PROGRAMS[program];
  return haveTool(t, existsSync(path), program, debianPackage);
}
