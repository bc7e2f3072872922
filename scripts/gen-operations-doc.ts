// Generates docs/operations.md: every Alibaba operation openecs serves with its parameters and
// their rules, every error code it can answer, and the tests that cover each code (a test covers
// a code when the code appears in its name). test/unit/operations-doc.test.ts keeps the file
// current. Usage: node --import tsx scripts/gen-operations-doc.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as prettier from 'prettier';
import { AliyunError, DOMAIN_CODES, gateway } from '../src/dialects/aliyun/errors.js';
import type { Operation } from '../src/dialects/aliyun/operation.js';
import { OPERATIONS } from '../src/dialects/aliyun/operations/index.js';
import type { Fields, ParamSpec, Rule } from '../src/dialects/aliyun/params.js';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DOC_FILE = 'docs/operations.md';
const API_VERSION = '2014-05-26';

export interface TestCase {
  /** Relative to the repository, with forward slashes. */
  file: string;
  name: string;
}

/** One parameter as the doc lists it: nested fields flattened to their wire names. */
interface ParamRow {
  name: string;
  spec: ParamSpec;
}

/** Where an error code comes from: a parameter rule, a domain rule, an override or the gateway. */
interface CodeSource {
  code: string;
  status: number;
  source: string;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return testFiles(path);
      return entry.name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

/** The names given to test() and it() in every test file, in file order. */
export function testCases(root = REPO): TestCase[] {
  const call = /\b(?:test|it)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
  return testFiles(join(root, 'test')).flatMap((path) => {
    const file = relative(root, path).split('\\').join('/');
    return [...readFileSync(path, 'utf8').matchAll(call)].map((m) => ({ file, name: m[2]!.replace(/\\(.)/g, '$1') }));
  });
}

/** A test covers a code when its name holds the code as a whole word (InvalidParameter is not InvalidParameter.X). */
export function coveringTests(code: string, tests: readonly TestCase[]): TestCase[] {
  const escaped = code.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const whole = new RegExp(`(?<![\\w.])${escaped}(?![\\w]|\\.\\w)`);
  return tests.filter((t) => whole.test(t.name));
}

function flatten(fields: Fields, prefix = ''): ParamRow[] {
  return Object.entries(fields).flatMap(([field, spec]) => {
    const name = prefix + field;
    if (spec.kind === 'object') return [{ name, spec }, ...flatten(spec.fields, `${name}.`)];
    if (spec.kind === 'objectList') return [{ name: `${name}.N`, spec }, ...flatten(spec.fields, `${name}.N.`)];
    return [{ name: spec.kind === 'list' ? `${name}.N` : name, spec }];
  });
}

function rulesOf(spec: ParamSpec): Rule<never>[] {
  return 'rules' in spec ? ((spec.rules ?? []) as Rule<never>[]) : [];
}

/** The codes an operation's own parameter rules answer. */
export function ruleCodes(op: Operation): string[] {
  return [...new Set(flatten(op.params).flatMap(({ spec }) => rulesOf(spec).map((r) => r.code)))].sort();
}

const KIND: Record<ParamSpec['kind'], string> = {
  string: 'string',
  integer: 'integer',
  boolean: 'boolean',
  list: 'list (Name.N)',
  jsonList: 'JSON array',
  object: 'object (Name.Field)',
  objectList: 'object list (Name.N.Field)',
};

/** What the parameter parser itself enforces (answered as InvalidParameter). */
function constraints(spec: ParamSpec): string[] {
  const out: string[] = [];
  if (spec.kind === 'string' && spec.enum) out.push(`one of ${spec.enum.join(', ')}`);
  if (spec.kind === 'string' && spec.maxLength !== undefined) out.push(`at most ${spec.maxLength} characters`);
  if (spec.kind === 'integer' && (spec.min !== undefined || spec.max !== undefined)) {
    out.push(`${spec.min ?? '-∞'} to ${spec.max ?? '∞'}`);
  }
  if (spec.kind === 'list' || spec.kind === 'jsonList' || spec.kind === 'objectList')
    out.push(`at most ${spec.max} members`);
  return out;
}

/** Escapes what Markdown (and a table cell) would otherwise interpret. */
function md(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, '\\$&');
}

function codeSources(operations: readonly Operation[]): CodeSource[] {
  const sources: CodeSource[] = [];
  for (const op of operations) {
    for (const { name, spec } of flatten(op.params)) {
      for (const rule of rulesOf(spec))
        sources.push({ code: rule.code, status: rule.status ?? 400, source: `${op.action} ${name}` });
    }
    for (const [domain, [code, status]] of Object.entries(op.errors ?? {})) {
      sources.push({ code, status, source: `${op.action}: ${domain}` });
    }
  }
  for (const [domain, [code, status]] of Object.entries(DOMAIN_CODES))
    sources.push({ code, status, source: `domain ${domain}` });
  for (const [name, make] of Object.entries(gateway)) {
    const error = (make as (...args: string[]) => AliyunError)('x', 'x');
    sources.push({ code: error.code, status: error.status, source: `gateway ${name}` });
  }
  return sources;
}

function operationSection(op: Operation): string[] {
  const lines = [
    `### ${op.action}`,
    '',
    `${op.mutating ? 'Mutating: every call and every refusal is audited.' : 'Read-only.'}`,
    '',
  ];
  lines.push(
    '| Parameter | Kind | Required | Constraints | Rules (error code, HTTP status) |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const { name, spec } of flatten(op.params)) {
    const rules = rulesOf(spec).map((r) => `${md(r.describe)} → \`${r.code}\` ${r.status ?? 400}`);
    lines.push(
      `| ${name} | ${KIND[spec.kind]} | ${spec.required ? 'yes' : ''} | ${md(constraints(spec).join('; '))} | ${rules.join('<br>')} |`,
    );
  }
  const overrides = Object.entries(op.errors ?? {});
  if (overrides.length) {
    lines.push('', 'Error codes this operation answers in place of the common table:', '');
    for (const [domain, [code, status]] of overrides) lines.push(`- ${domain} → \`${code}\` ${status}`);
  }
  lines.push('');
  return lines;
}

export async function renderOperationsDoc(root = REPO): Promise<string> {
  const operations = [...OPERATIONS].sort((a, b) => a.action.localeCompare(b.action));
  const tests = testCases(root);
  const byCode = new Map<string, CodeSource[]>();
  for (const source of codeSources(operations)) byCode.set(source.code, [...(byCode.get(source.code) ?? []), source]);
  const codes = [...byCode.keys()].sort();
  const covered = codes.filter((code) => coveringTests(code, tests).length > 0);

  const lines = [
    '# Alibaba ECS operations',
    '',
    '<!-- Generated by scripts/gen-operations-doc.ts from src/dialects/aliyun/operations/index.ts,',
    '     src/dialects/aliyun/errors.ts and the test names. Do not edit: run',
    '     node --import tsx scripts/gen-operations-doc.ts -->',
    '',
    `openecs answers ${operations.length} operations of the Alibaba ECS RPC API, version ${API_VERSION}. A request breaking`,
    'a parameter constraint is answered `InvalidParameter` 400, a missing required parameter `MissingParameter` 400;',
    'a broken rule is answered with the code and status its row names. The first broken rule fails the whole call and',
    'nothing of it is applied.',
    '',
    '| Action | Mutating | Parameters |',
    '| --- | --- | --- |',
    ...operations.map(
      (op) =>
        `| [${op.action}](#${op.action.toLowerCase()}) | ${op.mutating ? 'yes' : ''} | ${flatten(op.params).length} |`,
    ),
    '',
    '## Parameters',
    '',
    ...operations.flatMap(operationSection),
    '## Error codes',
    '',
    'Every code openecs can answer, where it comes from (a parameter rule, a domain rule mapped in',
    `src/dialects/aliyun/errors.ts, or the request gateway), and the tests whose names carry it: ${covered.length} of ${codes.length} covered.`,
    '',
  ];
  for (const code of codes) {
    const sources = byCode.get(code)!;
    const statuses = [...new Set(sources.map((s) => s.status))].sort().join(', ');
    const raisedBy = [...new Set(sources.map((s) => s.source))].join(', ');
    const coveredBy = coveringTests(code, tests).map((t) => `- ${t.file}: ${md(t.name)}`);
    lines.push(
      `### ${code}`,
      '',
      `HTTP ${statuses}. Raised by ${raisedBy}.`,
      '',
      ...(coveredBy.length ? coveredBy : ['No test is named after it.']),
      '',
    );
  }
  // Formatted as the repository's Prettier would, so that `npm run lint` and this generator agree.
  const options = await prettier.resolveConfig(join(root, DOC_FILE));
  return prettier.format(lines.join('\n'), { ...options, parser: 'markdown' });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(join(REPO, DOC_FILE), await renderOperationsDoc());
  console.log(`wrote ${DOC_FILE}`);
}
