#!/usr/bin/env node
// The openecs command. The source is TypeScript, run through tsx so that a fresh clone works
// after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
