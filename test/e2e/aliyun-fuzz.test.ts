import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { OPERATIONS } from '../../src/dialects/aliyun/operations/index.js';
import { $Ecs, ecsClient, type Envelope, type Key, REGION, signedV1 } from '../helpers/aliyun.js';
import { keysOf, TRICKY_VALUES, URL_GARBAGE } from '../helpers/fuzz.js';
import { enc, RawClient } from '../helpers/http.js';
import { openecs, TEST_KEY, TestServer } from '../helpers/server.js';

/** Requests per run; the default finishes well inside 60 s on 2 cores. FUZZ_SEED replays a failure. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** What the official SDKs wait before giving up (protocols.md 1.6). */
const ANSWER_WITHIN_MS = 3000;
/**
 * Request heads (request line + headers) beyond this exceed the server's header limit (96 KiB in
 * src/server/http-server.ts) with margin; Node's parser then answers before any route runs.
 */
const OVERSIZED_HEAD = 90 * 1024;
const HUGE_BYTES = 200 * 1024;

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
/** What a leaked stack or exception dump looks like; no answer may contain one. */
const STACK_TRACE = /\n\s+at |\bat [\w$.<>]+ \(|node:internal|\.[cm]?[jt]s:\d+:\d+|\b[A-Z][A-Za-z]*Error: /;
const xmlParser = new XMLParser();

/** A value of up to 200 KB once percent-encoded, printed as its recipe so a failure report stays readable. */
class Huge {
  constructor(
    readonly unit: string,
    readonly count: number,
  ) {}
  get value(): string {
    return this.unit.repeat(this.count);
  }
  [fc.toStringMethod](): string {
    return `Huge(${JSON.stringify(this.unit)} x ${this.count})`;
  }
}
type Text = string | Huge;
const text = (t: Text) => (typeof t === 'string' ? t : t.value);

/** One request in ten carries it. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

const huge = (unit: fc.Arbitrary<string>) =>
  fc
    .tuple(unit, fc.integer({ min: 1024, max: HUGE_BYTES }))
    .map(([u, bytes]) => new Huge(u, Math.max(1, Math.floor(bytes / enc(u).length))));

// ---- the pieces requests are made of ----

const COMMON_KEYS = [
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'Timestamp',
  'RegionId',
  'InstanceId',
  'InstanceIds',
  'PageSize',
  'Tag.99999.Key',
  'Tag.1.Key',
  'Tag.0.Value',
  'InstanceId.1',
  'SecurityGroupIds.1',
  'CpuOptions.Core',
  '',
];
const INTERESTING_VALUES = [
  ...TRICKY_VALUES,
  'cn-hangzhou-i',
  'ap-southeast-1',
  'yaml',
  'HMAC-SHA1',
  '2014-05-26',
  '2016-01-01',
  'DescribeRegions',
  'RunInstances',
  'http://example.com',
];
const ACTIONS = OPERATIONS.map((op) => op.action);

const unicode = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const latin1 = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
/**
 * Raw URL text with broken escapes, in printable ASCII: raw bytes above 0x7E are not HTTP, and
 * Node's parser refuses them before any route runs (see the oversized-head case in judge()).
 */
const percentGarbage = fc
  .array(
    fc.oneof(
      fc.constantFrom(...URL_GARBAGE),
      fc.string({ unit: 'grapheme-ascii', maxLength: 6 }).map((s) => s.replace(/[\s#?]/g, '')),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));
const keyText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...COMMON_KEYS) },
  { weight: 2, arbitrary: unicode },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom('Tag', 'SecurityGroupIds', 'DataDisk', 'X'),
        fc.integer({ min: -1, max: 100_000 }),
        fc.constantFrom('', '.Key', '.Value', '.Size'),
      )
      .map(([name, n, field]) => `${name}.${n}${field}`),
  },
);
const valueText: fc.Arbitrary<Text> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INTERESTING_VALUES) },
  { weight: 3, arbitrary: unicode },
);
/** At most one huge value per request, so every request stays within what the server reads. */
const hugeText = huge(
  fc.oneof(
    fc.constantFrom('a', 'é', '字', '🙂', '%'),
    unicode.filter((s) => s.length > 0),
  ),
);

/** A query or form string: each pair either properly encoded or raw garbage. */
const pairs = fc.array(
  fc.oneof(
    { weight: 3, arbitrary: fc.tuple(keyText, valueText).map(([k, v]) => ({ key: k, value: v, raw: false })) },
    {
      weight: 1,
      arbitrary: fc.tuple(percentGarbage, percentGarbage).map(([k, v]) => ({ key: k, value: v as Text, raw: true })),
    },
  ),
  { maxLength: 12 },
);
type Pairs = { key: string; value: Text; raw: boolean }[];
function renderPairs(list: Pairs): string {
  return list
    .map(({ key, value, raw }) => (raw ? `${key}=${text(value)}` : `${enc(key)}=${enc(text(value))}`))
    .join('&');
}

const hex = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('hex'));
const headerValue = fc.string({ unit: latin1, maxLength: 60 }).map((s) => s.trim());
const authorization = fc.oneof(
  headerValue,
  headerValue.map((s) => `ACS3-HMAC-SHA256 ${s}`),
  fc
    .tuple(
      fc.constantFrom(TEST_KEY.id, 'LTAI-nope', ''),
      fc.constantFrom('host;x-acs-action;x-acs-date;x-acs-signature-nonce;x-acs-version', '', 'host'),
      hex(32),
    )
    .map(([id, signed, sig]) => `ACS3-HMAC-SHA256 Credential=${id},SignedHeaders=${signed},Signature=${sig}`),
  fc.constantFrom('Basic YTpi', 'Bearer x', 'bce-auth-v1/x/2024-01-01T00:00:00Z/1800//abc'),
);
const contentType = fc.oneof(
  fc.constantFrom(
    'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded; charset=latin1',
    'application/json',
    'text/xml',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
  ),
  headerValue,
);
/** Headers that would change HTTP framing rather than what the API sees. */
const FRAMING = new Set([
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'expect',
  'upgrade',
  'te',
  'trailer',
]);
const headerName = fc
  .oneof(
    fc.constantFrom(
      'x-acs-action',
      'x-acs-version',
      'x-acs-date',
      'x-acs-signature-nonce',
      'x-acs-content-sha256',
      'x-acs-garbage',
      'x-bce-date',
    ),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  )
  .filter((name) => !FRAMING.has(name));
const headers = fc
  .tuple(
    fc.option(authorization, { nil: undefined }),
    fc.option(contentType, { nil: undefined }),
    fc.array(
      fc.tuple(
        headerName,
        fc.oneof(headerValue, fc.constantFrom(...INTERESTING_VALUES.filter((v) => !v.includes('\0')))),
      ),
      {
        maxLength: 6,
      },
    ),
  )
  .map(([auth, type, extra]) => {
    const out: Record<string, string> = Object.fromEntries(extra);
    if (auth !== undefined) out.authorization = auth;
    if (type !== undefined) out['content-type'] = type;
    return out;
  });
const body: fc.Arbitrary<Text | undefined> = fc.oneof(
  fc.constant(undefined),
  pairs.map(renderPairs),
  unicode,
  fc.jsonValue().map((v) => JSON.stringify(v)),
);
const path = fc.oneof(
  { weight: 8, arbitrary: fc.constant('/') },
  { weight: 1, arbitrary: fc.constantFrom('/healthz', '//', '/%2F', '/v2/instance', '/index.html', '/.', '/..') },
  { weight: 1, arbitrary: percentGarbage.map((s) => `/${s}`) },
);

interface RawShot {
  kind: 'raw';
  method: string;
  path: string;
  query: Pairs;
  headers: Record<string, string>;
  body: Text | undefined;
}
const rawShot: fc.Arbitrary<RawShot> = fc
  .record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND'),
    path,
    query: pairs,
    headers,
    body,
    huge: rarely(fc.tuple(fc.constantFrom('query value', 'query key', 'body'), keyText, hugeText)),
  })
  .map(({ huge, ...shot }): RawShot => {
    if (huge === null) return { kind: 'raw', ...shot };
    const [where, key, value] = huge;
    if (where === 'body') return { kind: 'raw', ...shot, body: value };
    const pair = where === 'query key' ? { key: value.value, value: 'x', raw: false } : { key, value, raw: false };
    return { kind: 'raw', ...shot, query: [...shot.query, pair] };
  });

interface SignedShot {
  kind: 'signed';
  action: string;
  region: string | undefined;
  params: Record<string, string>;
  huge: [string, Huge] | null;
  method: 'GET' | 'POST';
  format: string | undefined;
}
/** Validly signed with the fuzz account's key: real and invented actions, random parameter maps. */
const signedShot: fc.Arbitrary<SignedShot> = fc
  .oneof({ weight: 6, arbitrary: fc.constantFrom(...OPERATIONS) }, { weight: 1, arbitrary: fc.constant(undefined) })
  .chain((operation) =>
    fc.record({
      kind: fc.constant('signed' as const),
      action: operation
        ? fc.oneof({ weight: 9, arbitrary: fc.constant(operation.action) }, fc.constant(operation.action.toLowerCase()))
        : fc.oneof(
            unicode.filter((s) => s.length > 0),
            fc.constantFrom(...ACTIONS).map((a) => `${a}s`),
          ),
      // Most operations need a RegionId: give them a real one often enough to get past it.
      region: fc.constantFrom(REGION, REGION, REGION, 'cn-shanghai', undefined),
      params: fc.dictionary(
        fc.oneof(
          { weight: 5, arbitrary: operation ? fc.constantFrom(...keysOf(operation.params, 3)) : keyText },
          { weight: 1, arbitrary: keyText },
        ),
        fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom(...INTERESTING_VALUES).filter((v) => !v.includes('\0')) },
          { weight: 3, arbitrary: unicode },
        ),
        { maxKeys: 10 },
      ),
      huge: rarely(
        fc.tuple(
          operation ? fc.constantFrom(...keysOf(operation.params, 3)) : keyText,
          huge(fc.constantFrom('a', 'Z9', 'x-', 'é')),
        ),
      ),
      method: fc.constantFrom('GET' as const, 'POST' as const),
      format: fc.constantFrom(undefined, 'JSON', 'json', 'XML', 'xml'),
    }),
  );

type Tamper =
  'wrongSecret' | 'changedAfterSigning' | 'stale' | 'future' | 'unknownKey' | 'badVersion' | 'yaml' | 'replay';
interface TamperedShot {
  kind: 'tampered';
  action: 'CreateSecurityGroup' | 'CreateVpc' | 'DeleteSecurityGroup';
  tamper: Tamper;
  minutes: number;
  method: 'GET' | 'POST';
}
/** Mutating calls for the test key's own account, each spoiled one way: none may change anything. */
const tamperedShot: fc.Arbitrary<TamperedShot> = fc.record({
  kind: fc.constant('tampered' as const),
  action: fc.constantFrom('CreateSecurityGroup' as const, 'CreateVpc' as const, 'DeleteSecurityGroup' as const),
  tamper: fc.constantFrom<Tamper>(
    'wrongSecret',
    'changedAfterSigning',
    'stale',
    'future',
    'unknownKey',
    'badVersion',
    'yaml',
    'replay',
  ),
  minutes: fc.integer({ min: 16, max: 60 * 24 * 400 }),
  method: fc.constantFrom('GET' as const, 'POST' as const),
});
const EXPECTED_CODE: Record<Tamper, [string, number]> = {
  wrongSecret: ['SignatureDoesNotMatch', 400],
  changedAfterSigning: ['SignatureDoesNotMatch', 400],
  stale: ['InvalidTimeStamp.Expired', 400],
  future: ['InvalidTimeStamp.Expired', 400],
  unknownKey: ['InvalidAccessKeyId.NotFound', 404],
  badVersion: ['InvalidVersion', 400],
  yaml: ['InvalidParameter.Format', 400],
  replay: ['SignatureNonceUsed', 400],
};

type Shot = RawShot | SignedShot | TamperedShot;

// ---- firing and judging ----

interface Answer {
  status: number;
  contentType: string;
  body: string;
  ms: number;
}

async function sendRaw(client: RawClient, shot: RawShot): Promise<Answer> {
  const query = renderPairs(shot.query);
  const answer = await client.send(
    {
      method: shot.method,
      path: query ? `${shot.path}?${query}` : shot.path,
      headers: shot.headers,
      body: shot.body === undefined ? undefined : text(shot.body),
    },
    ANSWER_WITHIN_MS * 2,
  );
  return { ...answer, contentType: String(answer.headers['content-type'] ?? '') };
}

async function timed(call: Promise<{ status: number; body: string; headers: Headers }>): Promise<Answer> {
  const started = performance.now();
  const answer = await call;
  return {
    status: answer.status,
    contentType: answer.headers.get('content-type') ?? '',
    body: answer.body,
    ms: performance.now() - started,
  };
}

/** Alibaba's error envelope, from JSON or XML; returns the Code. */
function assertEnvelope(answer: Answer, what: string): string {
  let error: Envelope;
  if (answer.contentType === 'text/xml;charset=utf-8') {
    assert.equal(XMLValidator.validate(answer.body), true, `${what}: XML is not well-formed`);
    error = (xmlParser.parse(answer.body) as { Error: Envelope }).Error;
  } else {
    assert.equal(answer.contentType, 'application/json;charset=utf-8', what);
    error = JSON.parse(answer.body) as Envelope;
  }
  assert.ok(error, `${what}: no error envelope`);
  assert.match(String(error.RequestId), REQUEST_ID, what);
  for (const field of ['HostId', 'Code', 'Message', 'Recommend'] as const) {
    assert.ok(typeof error[field] === 'string' && error[field].length > 0, `${what}: ${field} missing`);
  }
  return error.Code;
}

/** What holds for every answer to every request. */
function judge(shot: Shot, answer: Answer, what: string): void {
  assert.ok(answer.ms < ANSWER_WITHIN_MS, `${what}: answered in ${Math.round(answer.ms)} ms`);
  assert.ok(answer.status < 500, `${what}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
  assert.ok(answer.status < 300 || answer.status >= 400, `${what}: HTTP ${answer.status}`);
  assert.doesNotMatch(answer.body, STACK_TRACE, `${what}: ${answer.body.slice(0, 500)}`);
  if (shot.kind === 'raw') {
    if (shot.method === 'HEAD') return;
    if (shot.path !== '/') {
      // Not the Alibaba endpoint: whatever serves it must still answer cleanly.
      if (answer.contentType.startsWith('application/json')) JSON.parse(answer.body);
      return;
    }
    assert.ok(answer.status >= 400, `${what}: an unsigned request succeeded: ${answer.body.slice(0, 300)}`);
    assertEnvelope(answer, what);
    return;
  }
  if (shot.kind === 'tampered') {
    const [code, status] = EXPECTED_CODE[shot.tamper];
    assert.equal(assertEnvelope(answer, what), code, what);
    assert.equal(answer.status, status, what);
    return;
  }
  const xml = shot.format !== undefined && /^xml$/i.test(shot.format);
  assert.equal(answer.contentType, xml ? 'text/xml;charset=utf-8' : 'application/json;charset=utf-8', what);
  if (answer.status >= 400) {
    assertEnvelope(answer, what);
  } else if (xml) {
    assert.equal(XMLValidator.validate(answer.body), true, `${what}: XML is not well-formed`);
    const doc = xmlParser.parse(answer.body) as Record<string, { RequestId?: string; Code?: unknown }>;
    const root = doc[`${ACTIONS.find((a) => a.toLowerCase() === shot.action.toLowerCase())}Response`];
    assert.ok(root, `${what}: root element ${Object.keys(doc).join(',')}`);
    assert.match(String(root.RequestId), REQUEST_ID, what);
    assert.equal(root.Code, undefined, `${what}: a success has no Code`);
  } else {
    const parsed = JSON.parse(answer.body) as Record<string, unknown>;
    assert.match(String(parsed.RequestId), REQUEST_ID, what);
    assert.equal('Code' in parsed, false, `${what}: a success has no Code`);
  }
}

describe('Alibaba gateway under random and malformed requests', () => {
  let server: TestServer;
  let client: RawClient;
  let fuzzKey: Key;
  let securityGroupId: string;
  let usedNonce: string;

  /** TotalCounts of what the test key's account owns: no unsigned or spoiled request may move them. */
  async function accountSnapshot(): Promise<Record<string, unknown>> {
    const counts: Record<string, unknown> = {};
    for (const action of ['DescribeInstances', 'DescribeSecurityGroups', 'DescribeVpcs']) {
      const answer = await signedV1(server, { Action: action, RegionId: REGION });
      assert.equal(answer.status, 200, answer.body);
      counts[action] = (JSON.parse(answer.body) as { TotalCount: unknown }).TotalCount;
    }
    return counts;
  }

  async function fireTampered(shot: TamperedShot): Promise<Answer> {
    const params: Record<string, string> = { Action: shot.action, RegionId: REGION };
    if (shot.action === 'DeleteSecurityGroup') params.SecurityGroupId = securityGroupId;
    const offset = shot.minutes * 60_000 * (shot.tamper === 'future' ? 1 : -1);
    let options: Parameters<typeof signedV1>[2] = {};
    switch (shot.tamper) {
      case 'wrongSecret':
        options = { key: { id: TEST_KEY.id, secret: 'wrong-secret' } };
        break;
      case 'changedAfterSigning':
        options = { mutate: (all) => (all.RegionId = 'cn-shanghai') };
        break;
      case 'stale':
      case 'future':
        params.Timestamp = new Date(Date.now() + offset).toISOString().replace(/\.\d{3}Z$/, 'Z');
        break;
      case 'unknownKey':
        options = { key: { id: `LTAI${randomBytes(10).toString('hex')}`, secret: TEST_KEY.secret } };
        break;
      case 'badVersion':
        params.Version = '2016-03-14';
        break;
      case 'yaml':
        params.Format = 'YAML';
        break;
      case 'replay':
        params.SignatureNonce = usedNonce;
        break;
    }
    return timed(signedV1(server, params, { ...options, method: shot.method }));
  }

  function fireSigned(shot: SignedShot): Promise<Answer> {
    const params: Record<string, string> = { ...(shot.region ? { RegionId: shot.region } : {}), ...shot.params };
    if (shot.huge) params[shot.huge[0]] = shot.huge[1].value;
    // Common parameters stay valid here: this class is about the operations, not the envelope.
    for (const common of [
      'AccessKeyId',
      'Signature',
      'SignatureMethod',
      'SignatureNonce',
      'Timestamp',
      'Version',
      'Format',
    ]) {
      delete params[common];
    }
    params.Action = shot.action;
    params.Format = shot.format ?? '\0omit';
    // GET puts everything in the URL; big parameter maps go in a form body, as pop-core's POST does.
    const size = Object.entries(params).reduce((n, [k, v]) => n + enc(k).length + enc(v).length, 0);
    const method = size > OVERSIZED_HEAD / 2 ? 'POST' : shot.method;
    return timed(signedV1(server, params, { key: fuzzKey, method }));
  }

  before(async () => {
    server = await TestServer.start();
    client = new RawClient(server.port);
    const created = await openecs(['keys', 'create', '--account', 'fuzz', '--json', '--data-dir', server.dataDir]);
    assert.equal(created.code, 0, created.stderr);
    const issued = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    fuzzKey = { id: issued.accessKeyId, secret: issued.accessKeySecret };
    const ecs = ecsClient(server);
    const group = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }));
    securityGroupId = group.body!.securityGroupId!;
    usedNonce = `fuzz-${randomBytes(8).toString('hex')}`;
    assert.equal((await signedV1(server, { Action: 'DescribeRegions', SignatureNonce: usedNonce })).status, 200);
  });
  after(async () => {
    client?.close();
    await server.dispose();
  });

  test(
    `${RUNS} random requests: never 5xx, always an envelope, always quick, nothing changed`,
    { timeout: Math.max(120_000, RUNS * 60) },
    async () => {
      const before = await accountSnapshot();
      assert.equal(
        before.DescribeSecurityGroups,
        1,
        'the group made in before() is there to be deleted by spoiled calls',
      );
      let fired = 0;
      const statuses: Record<number, number> = {};
      const started = performance.now();
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 5, arbitrary: rawShot },
            { weight: 4, arbitrary: signedShot },
            { weight: 2, arbitrary: tamperedShot },
          ),
          async (shot) => {
            fired++;
            const answer =
              shot.kind === 'raw'
                ? await sendRaw(client, shot)
                : shot.kind === 'signed'
                  ? await fireSigned(shot)
                  : await fireTampered(shot);
            statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
            judge(shot, answer, `${shot.kind} request answered HTTP ${answer.status}`);
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true, includeErrorInReport: true },
      );
      const seconds = (performance.now() - started) / 1000;
      assert.ok(fired >= RUNS, `fired ${fired}`);
      console.log(`fired ${fired} requests in ${seconds.toFixed(1)} s; answers by status: ${JSON.stringify(statuses)}`);

      const health = await fetch(`${server.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(server.process.exitCode, null, 'the server is still running');
      assert.equal(server.process.signalCode, null);
      assert.deepEqual(await accountSnapshot(), before, 'unsigned and spoiled requests changed the account');
      assert.doesNotMatch(server.output, /unexpected error|request failed/, 'the server logged an unexpected failure');
    },
  );
});
