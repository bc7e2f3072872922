import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { OPERATIONS } from '../../src/dialects/aliyun/operations/index.js';
import { REGION, type Key } from '../helpers/aliyun.js';
import { keysOf, TRICKY_VALUES, URL_GARBAGE } from '../helpers/fuzz.js';
import { signedRequest } from '../helpers/bce.js';
import { TestServer } from '../helpers/server.js';
import { type Answer, RawClient } from '../helpers/http.js';
import {
  aliyun,
  consoleUrl,
  HeapProbe,
  newAccount,
  readyInstance,
  rssKiB,
  SecretLedger,
  signV1,
  signV3,
} from './support.js';

/**
 * 100,000 random and malformed requests across the Alibaba dialect (unsigned, V1- and V3-signed),
 * the Baidu dialect (unsigned and signed), raw bytes that are not HTTP, and the console gateway
 * (bad upgrades, truncated handshakes, garbage WebSocket frames and RFB messages in admitted
 * sessions). No answer may be a 5xx or take 3 s or more, the server must not crash or log an
 * unexpected failure, and its memory must come back to where it was once the load stops.
 *
 * Requests are drawn from a seeded generator (FUZZ_SEED replays a run; each request is a pure
 * function of the seed and its index, so a failure report names what to replay). FUZZ_REQUESTS
 * changes the count. 48 keep-alive connections keep the server busy: one to two minutes on 2 cores.
 */
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = 48;
/** What the official SDKs wait before giving up (protocols.md 1.6). */
const ANSWER_WITHIN_MS = 3000;
/** Memory is measured after this many requests: caches, compiled code and pools have their working size by then. */
const WARMUP = Math.min(10_000, Math.floor(TOTAL / 10));
/**
 * How far above its baseline the server's resident memory may be once the load has stopped and
 * V8 has collected what the load left behind. Without that collection RSS stays tens of MiB up:
 * V8 keeps garbage and the pages it grew into until it next collects, which an idle server does
 * not hurry to do (the test has it collect through the inspector rather than wait minutes). What
 * legitimately stays: the replay cache's nonces (about 5 MiB for 100,000 requests, see below),
 * malloc arenas that do not shrink back, SQLite's page cache (2 MiB at most). A leak of 250 bytes a
 * request would pass 24 MiB over the 90,000 requests after the baseline.
 */
const RSS_MARGIN_KIB = 24 * 1024;
/**
 * What the live heap may legitimately gain: each signed Alibaba request leaves its SignatureNonce
 * in the replay cache for 30 minutes (a 44-byte digest key, a timestamp, the map's slot and its
 * spare capacity: some 145 bytes measured), and compiled code, statement cache and pools settle in
 * as the load goes on. When the cache kept the nonce as the request's own text, it held on to the
 * whole URL or header it came in, about 475 bytes a request, and this bound would not hold.
 */
const NONCE_BYTES = 160;
const HEAP_SLACK_BYTES = 4 * 1024 * 1024;
const SETTLE_MS = 8000;

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const STACK_TRACE = /\n\s+at |\bat [\w$.<>]+ \(|node:internal|\.[cm]?[jt]s:\d+:\d+/;

// ---- a small seeded generator (mulberry32): each request's draws depend on (seed, index) only ----

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  int(below: number): number {
    return Math.floor(this.next() * below);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  /** Any Unicode: controls, surrogate halves, astral characters, combining marks. */
  unicode(max: number): string {
    let out = '';
    for (let n = this.int(max + 1); n > 0; n--) {
      out += this.pick([
        () => String.fromCharCode(this.int(0x80)),
        () => String.fromCharCode(0x80 + this.int(0x780)),
        () => String.fromCharCode(0xd800 + this.int(0x800)),
        () => String.fromCodePoint(0x1f600 + this.int(80)),
        () => String.fromCharCode(0x4e00 + this.int(0x5000)),
        () => '\u0301',
      ])();
    }
    return out;
  }
  /** Printable ASCII without space, '#' or '?': safe in a request target, not safe to decode. */
  urlGarbage(max: number): string {
    let out = '';
    for (let n = this.int(max + 1); n > 0; n--) {
      out += this.pick(URL_GARBAGE);
      if (this.chance(0.5)) out += String.fromCharCode(0x21 + this.int(94)).replace(/[#?]/, 'x');
    }
    return out;
  }
  /** Printable Latin-1, what node:http lets through in a header value. */
  headerValue(max: number): string {
    let out = '';
    for (let n = this.int(max + 1); n > 0; n--) {
      const c = this.chance(0.85) ? 0x20 + this.int(95) : 0xa0 + this.int(96);
      out += String.fromCharCode(c);
    }
    return out.trim();
  }
}

/** Lone surrogate halves replaced: what encodeURIComponent (and so a signer) can encode. */
const wellFormed = (text: string) =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Per-request generator: independent of the order in which concurrent requests are drawn. */
const rngFor = (index: number) => new Rng(Math.imul(SEED ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));

// ---- the pieces requests are made of ----

const VALUES = [...TRICKY_VALUES, 'cn-shanghai', 'cn-hangzhou-h', 'vpc-bp1abcdefghijklmnop', 'x'.repeat(300)];
const OPERATION_KEYS = new Map(OPERATIONS.map((op) => [op.action, keysOf(op.params, 100_000)]));
const ALL_KEYS = [...new Set([...OPERATION_KEYS.values()].flat())];
const COMMON_KEYS = [
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'Signature',
  'SignatureMethod',
  'SignatureNonce',
  'Timestamp',
];
const BAIDU_FIELDS = [
  'imageId',
  'spec',
  'name',
  'desc',
  'hostname',
  'adminPass',
  'cpuCount',
  'memoryCapacityInGB',
  'purchaseCount',
  'billing',
  'tags',
  'zoneName',
  'subnetId',
  'securityGroupId',
  'forceStop',
  'rootDiskSizeInGb',
];
const BAIDU_FLAGS = [
  'start',
  'stop',
  'reboot',
  'changePass',
  'modifyAttribute',
  'modifyDesc',
  'resize',
  'clientToken',
  'marker',
  'maxKeys',
  'bogus',
];

interface Context {
  server: TestServer;
  client: RawClient;
  fuzzKey: Key;
  /** The fuzz account's instance and group: real ids, so signed requests reach deep. */
  fuzzIds: string[];
  /** A Running instance of the test key's account whose console the gateway shots use. */
  consoleInstance: string;
  ledger: SecretLedger;
}

function value(rng: Rng, ctx: Context): string {
  const roll = rng.int(10);
  if (roll < 5) return rng.pick(VALUES);
  if (roll < 7) return rng.pick(ctx.fuzzIds);
  return rng.unicode(30);
}

function randomParams(rng: Rng, ctx: Context, keys: readonly string[], max: number): Record<string, string> {
  const params: Record<string, string> = {};
  for (let n = rng.int(max + 1); n > 0; n--) {
    const key = rng.chance(0.8) ? rng.pick(keys) : rng.chance(0.5) ? rng.pick(ALL_KEYS) : rng.unicode(12);
    params[wellFormed(key)] = wellFormed(value(rng, ctx));
  }
  return params;
}

function query(rng: Rng, ctx: Context, keys: readonly string[]): string {
  const parts: string[] = [];
  for (let n = rng.int(10); n > 0; n--) {
    if (rng.chance(0.2)) parts.push(`${rng.urlGarbage(6)}=${rng.urlGarbage(6)}`);
    else
      parts.push(
        `${encodeURIComponent(wellFormed(rng.chance(0.7) ? rng.pick(keys) : rng.unicode(10)))}=${encodeURIComponent(wellFormed(value(rng, ctx)))}`,
      );
  }
  return parts.join('&');
}

function body(rng: Rng, ctx: Context, keys: readonly string[]): string | undefined {
  switch (rng.int(5)) {
    case 0:
      return undefined;
    case 1:
      return query(rng, ctx, keys);
    case 2:
      return rng.unicode(200);
    case 3:
      return JSON.stringify(
        Object.fromEntries(keys.slice(0, rng.int(6)).map((k) => [k, rng.chance(0.5) ? value(rng, ctx) : rng.int(1e6)])),
      );
    default:
      return rng.pick([
        '{',
        '[[[[[[[[[[',
        '{"a":',
        'null',
        '"x"',
        '{"adminPass":{"$gt":1}}',
        '\uFEFF{}',
        '{"a":1}{"b":2}',
        '1e999',
      ]);
  }
}

function headers(rng: Rng, dialect: 'aliyun' | 'baidu'): Record<string, string> {
  const out: Record<string, string> = {};
  if (rng.chance(0.6)) {
    out.authorization = rng.pick([
      () => rng.headerValue(60),
      () =>
        `ACS3-HMAC-SHA256 Credential=${rng.pick(['LTAI-nope', 'x', ''])},SignedHeaders=host;x-acs-action,Signature=${rng.bytes(32).toString('hex')}`,
      () => `ACS3-HMAC-SHA256 ${rng.headerValue(40)}`,
      () =>
        `bce-auth-v1/${rng.pick(['AKnope', '', 'x/y'])}/${rng.pick(['2024-01-01T00:00:00Z', new Date().toISOString().replace(/\.\d+Z/, 'Z'), 'x'])}/${rng.pick(['1800', '-1', '99999999999', ''])}/${rng.pick(['host', '', 'host;x-bce-date'])}/${rng.bytes(32).toString('hex')}`,
      () => `bce-auth-v1/${rng.headerValue(30)}`,
    ])();
  }
  if (rng.chance(0.5)) {
    out['content-type'] = rng.pick([
      'application/x-www-form-urlencoded',
      'application/json',
      'text/xml',
      'multipart/form-data; boundary=x',
      rng.headerValue(30),
    ]);
  }
  for (let n = rng.int(4); n > 0; n--) {
    const name = rng.pick(
      dialect === 'aliyun'
        ? ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']
        : ['x-bce-date', 'x-bce-request-id', 'x-bce-content-sha256', 'content-md5'],
    );
    out[name] = rng.chance(0.5) ? rng.headerValue(40) : rng.pick(VALUES.filter((v) => !v.includes('\0')));
  }
  return out;
}

const METHODS = ['GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

// ---- judging ----

class Failure extends Error {}
/** The slowest answer of the run, for the log: how far from the limit the server stayed. */
let slowestMs = 0;
function checkTime(ms: number, what: string): void {
  slowestMs = Math.max(slowestMs, ms);
  check(ms < ANSWER_WITHIN_MS, `${what} in ${Math.round(ms)} ms`);
}
function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Failure(message);
}

function judgeCommon(answer: Answer): void {
  checkTime(answer.ms, 'answered');
  check(answer.status < 500, `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`);
  check(!STACK_TRACE.test(answer.body), `a stack trace in the answer: ${answer.body.slice(0, 300)}`);
}

/** Alibaba's envelope, JSON or XML; `success` when a 2xx is acceptable. */
function judgeAliyun(answer: Answer, method: string, success: boolean): void {
  judgeCommon(answer);
  if (method === 'HEAD') return;
  check(success || answer.status >= 400, `an unsigned request succeeded: ${answer.body.slice(0, 200)}`);
  const type = String(answer.headers['content-type']);
  if (type.startsWith('text/xml')) {
    check(
      answer.body.startsWith('<?xml') && /<RequestId>[0-9A-F-]{36}<\/RequestId>/.test(answer.body),
      `bad XML: ${answer.body.slice(0, 200)}`,
    );
    if (answer.status >= 400)
      check(/<Code>[^<]+<\/Code>/.test(answer.body), `XML error without Code: ${answer.body.slice(0, 200)}`);
    return;
  }
  check(type.startsWith('application/json'), `content-type ${type}`);
  const parsed = JSON.parse(answer.body) as Record<string, unknown>;
  check(REQUEST_ID.test(String(parsed.RequestId)), `no RequestId: ${answer.body.slice(0, 200)}`);
  if (answer.status >= 400)
    check(
      typeof parsed.Code === 'string' && typeof parsed.Message === 'string',
      `no Code/Message: ${answer.body.slice(0, 200)}`,
    );
}

function judgeBaidu(answer: Answer, method: string, success: boolean): void {
  judgeCommon(answer);
  if (method === 'HEAD') return;
  check(success || answer.status >= 400, `an unsigned request succeeded: ${answer.body.slice(0, 200)}`);
  check(
    String(answer.headers['content-type']).startsWith('application/json'),
    `content-type ${String(answer.headers['content-type'])}`,
  );
  const parsed = JSON.parse(answer.body) as Record<string, unknown>;
  if ('error' in parsed && answer.status === 404) return; // not a BCC path at all: the server's plain 404
  check(typeof answer.headers['x-bce-request-id'] === 'string', 'no x-bce-request-id');
  if (answer.status >= 400) {
    check(
      typeof parsed.code === 'string' && typeof parsed.message === 'string' && typeof parsed.requestId === 'string',
      `no BCE envelope: ${answer.body.slice(0, 200)}`,
    );
  }
}

// ---- the request kinds ----

/** Draws one request from rng, notes what it is (for a failure report), fires it and judges the answer. */
type Shot = (rng: Rng, ctx: Context, note: (what: string) => void) => Promise<void>;

const aliyunUnsigned: Shot = async (rng, ctx, note) => {
  const method = rng.pick(METHODS);
  const action = rng.pick(OPERATIONS).action;
  const keys = [...COMMON_KEYS, ...OPERATION_KEYS.get(action)!];
  const path = rng.chance(0.9)
    ? '/'
    : rng.pick(['/healthz', '//', '/%2F', '/index.html', '/..', '/vnc/', '/websockify/', `/${rng.urlGarbage(8)}`]);
  const q = query(rng, ctx, keys);
  const shot = {
    method,
    path: q ? `${path}?${q}` : path,
    headers: headers(rng, 'aliyun'),
    body: method === 'GET' || method === 'HEAD' ? undefined : body(rng, ctx, keys),
  };
  note(`aliyun unsigned ${method} ${shot.path.slice(0, 120)}`);
  const answer = await ctx.client.send(shot, ANSWER_WITHIN_MS * 2);
  if (path === '/') judgeAliyun(answer, method, false);
  else judgeCommon(answer);
};

const aliyunSigned: Shot = async (rng, ctx, note) => {
  const operation = rng.chance(0.92) ? rng.pick(OPERATIONS) : undefined;
  const v3 = rng.chance(0.35);
  // A V3 action travels in a header: printable Latin-1 only.
  const garbage = v3 ? rng.headerValue(12) : wellFormed(rng.unicode(10));
  const action = operation
    ? rng.chance(0.95)
      ? operation.action
      : operation.action.toLowerCase()
    : rng.pick([garbage || 'x', 'DescribeRegionss', 'Describe']);
  const keys = operation ? OPERATION_KEYS.get(operation.action)! : ALL_KEYS;
  const params = randomParams(rng, ctx, keys, 8);
  if (rng.chance(0.8)) params.RegionId = rng.chance(0.9) ? REGION : wellFormed(value(rng, ctx));
  for (const common of COMMON_KEYS) delete params[common];
  const format = rng.pick([undefined, undefined, 'JSON', 'XML', 'xml']);
  if (format) params.Format = format;
  const method = rng.pick(['GET', 'POST'] as const);
  const shot = v3
    ? signV3(action, params, ctx.fuzzKey, ctx.server.port)
    : signV1({ ...params, Action: action }, ctx.fuzzKey, method);
  note(`aliyun ${v3 ? 'V3' : 'V1'} ${action} ${JSON.stringify(params).slice(0, 200)}`);
  const answer = await ctx.client.send(shot, ANSWER_WITHIN_MS * 2);
  judgeAliyun(answer, shot.method, true);
};

function baiduPath(rng: Rng, ctx: Context): string {
  const version = rng.pick(['/v1', '/v2', '/v2', '/v3', '/V2']);
  const id = rng.chance(0.6) ? rng.pick(ctx.fuzzIds) : rng.pick(['i-x', '..', '%2F', '%zz', 'i-' + rng.int(1e9), '']);
  return (
    version +
    rng.pick([
      '/instance',
      '/instance/',
      `/instance/${id}`,
      `/instance/${id}/vnc`,
      `/instance/${id}/x`,
      '/token/create',
      `/${rng.urlGarbage(6)}`,
    ])
  );
}

const baiduUnsigned: Shot = async (rng, ctx, note) => {
  const method = rng.pick(METHODS);
  const path = baiduPath(rng, ctx);
  const q = rng.chance(0.5) ? rng.pick(BAIDU_FLAGS) : query(rng, ctx, BAIDU_FLAGS);
  const shot = {
    method,
    path: `${path}?${q}`,
    headers: headers(rng, 'baidu'),
    body: method === 'GET' || method === 'HEAD' ? undefined : body(rng, ctx, BAIDU_FIELDS),
  };
  note(`baidu unsigned ${method} ${shot.path.slice(0, 120)}`);
  const answer = await ctx.client.send(shot, ANSWER_WITHIN_MS * 2);
  judgeBaidu(answer, method, false);
};

const baiduSigned: Shot = async (rng, ctx, note) => {
  const method = rng.pick(['GET', 'POST', 'PUT', 'PUT', 'DELETE'] as const);
  const path = baiduPath(rng, ctx);
  const flags: [string, string | null][] = [];
  for (let n = rng.int(3); n > 0; n--)
    flags.push([rng.pick(BAIDU_FLAGS), rng.chance(0.5) ? null : wellFormed(value(rng, ctx))]);
  const payload = method === 'GET' || method === 'DELETE' ? undefined : body(rng, ctx, BAIDU_FIELDS);
  note(`baidu signed ${method} ${path} ${JSON.stringify(flags)} ${String(payload).slice(0, 100)}`);
  const started = performance.now();
  const answer = await signedRequest(ctx.server, {
    method,
    path,
    query: flags,
    body: payload,
    key: ctx.fuzzKey,
    contentType: rng.chance(0.2) ? null : undefined,
  });
  judgeBaidu(
    { status: answer.status, headers: answer.headers, body: answer.text, ms: performance.now() - started },
    method,
    true,
  );
};

/**
 * Bytes over a plain TCP connection, then a half-close: the answer (if any) must be a 4xx, and the
 * connection must be answered or closed within the time limit.
 */
function rawExchange(port: number, data: Buffer, closeAfterWrite = true): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Failure(`neither answered nor closed in ${ANSWER_WITHIN_MS} ms; got ${JSON.stringify(text.slice(0, 100))}`),
      );
    }, ANSWER_WITHIN_MS);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: performance.now() - started });
    });
    socket.write(data, () => (closeAfterWrite ? socket.end() : undefined));
  });
}

function judgeRawText(text: string): void {
  for (const [, status] of text.matchAll(/HTTP\/1\.[01] (\d{3}) /g))
    check(Number(status) < 500, `HTTP ${status}: ${text.slice(0, 200)}`);
  check(!STACK_TRACE.test(text), `a stack trace: ${text.slice(0, 300)}`);
}

const notHttp: Shot = async (rng, ctx, note) => {
  const host = 'Host: 127.0.0.1\r\n';
  const data = rng.pick([
    () => Buffer.concat([rng.bytes(1 + rng.int(200)), Buffer.from('\r\n\r\n')]),
    () => Buffer.from(`GET / HTTP/${rng.pick(['9.9', '1.', '0.9', '2.0'])}\r\n${host}\r\n`),
    () => Buffer.from(`GET  HTTP/1.1\r\n${host}\r\n`),
    () => Buffer.from(`FOO / HTTP/1.1\r\n${host}\r\n`),
    () =>
      Buffer.from(
        `POST / HTTP/1.1\r\n${host}Content-Length: ${rng.pick(['-1', 'abc', '1, 2', '99999999999999999999'])}\r\n\r\n`,
      ),
    () =>
      Buffer.from(
        `POST / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n${rng.pick(['zz', 'FFFFFFFFFFFFFFFFFF', '5\r\nabc', '-1'])}\r\n\r\n`,
      ),
    () => Buffer.from(`POST / HTTP/1.1\r\n${host}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`),
    () =>
      Buffer.from(
        `GET / HTTP/1.1\r\n${host}${rng.pick(['NoColon', ' Leading: space', 'Bad Name: x', 'X: a\r\n folded', 'X: \x00', 'X: \x7f'])}\r\n\r\n`,
      ),
    () => Buffer.from(`GET /${rng.pick(['\x00', '\x7f', ' x', '\x01'])} HTTP/1.1\r\n${host}\r\n`),
    () =>
      Buffer.from(
        `GET /healthz HTTP/1.1\r\n${host}\r\nGET /?Action=x HTTP/1.1\r\n${host}\r\n${rng.bytes(20).toString('latin1')}`,
      ),
    () => Buffer.from(`GET / HTTP/1.1\r\n${host}`.slice(0, 1 + rng.int(30))),
    () => Buffer.from(`GET /v2/instance HTTP/1.1\r\n${host}Content-Length: 0\r\nContent-Length: 5\r\n\r\n`),
  ])();
  note(`not HTTP ${JSON.stringify(data.toString('latin1').slice(0, 120))}`);
  const { text, ms } = await rawExchange(ctx.server.port, data);
  checkTime(ms, 'answered or closed');
  judgeRawText(text);
};

// ---- the console gateway, over a hand-made WebSocket client ----

/** One WebSocket frame from a client: masked unless told otherwise. */
function frame(
  opcode: number,
  payload: Buffer,
  options: { mask?: boolean; fin?: boolean; rsv?: number; length?: bigint } = {},
): Buffer {
  const mask = options.mask ?? true;
  const length = options.length ?? BigInt(payload.length);
  const head = [((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode];
  let extended = Buffer.alloc(0);
  if (length < 126n) head.push((mask ? 0x80 : 0) | Number(length));
  else if (length < 65536n) {
    head.push((mask ? 0x80 : 0) | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(Number(length));
  } else {
    head.push((mask ? 0x80 : 0) | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(length);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, payload]);
  const key = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

const binary = (payload: Buffer) => frame(2, payload);

/** RFB client messages, well-formed in framing or not, some with absurd lengths. */
function rfbGarbage(rng: Rng): Buffer {
  return rng.pick([
    () => rng.bytes(1 + rng.int(64)),
    () => Buffer.concat([Buffer.of(2, 0), Buffer.from([0xff, 0xff]), rng.bytes(64)]), // SetEncodings with 65535 encodings
    () => Buffer.concat([Buffer.of(6, 0, 0, 0), Buffer.from([0x7f, 0xff, 0xff, 0xff]), rng.bytes(32)]), // ClientCutText of 2 GiB
    () => Buffer.concat([Buffer.of(6, 0, 0, 0), Buffer.from([0xff, 0xff, 0xff, 0xfc])]), // negative extended cut text
    () => Buffer.concat([Buffer.of(0, 0, 0, 0), rng.bytes(16)]), // SetPixelFormat with random format
    () => Buffer.of(3, rng.int(2), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // update request beyond the screen
    () => Buffer.of(rng.pick([7, 8, 9, 127, 149, 150, 248, 250, 251, 252, 255]), ...rng.bytes(rng.int(20))),
    () => Buffer.of(4, 1, 0, 0, ...rng.bytes(4)), // a key event
    () => Buffer.of(5, rng.int(256), ...rng.bytes(4)), // a pointer event
  ])();
}

interface Upgraded {
  status: number;
  head: string;
  socket: import('node:net').Socket;
  ms: number;
}

/** Sends a WebSocket upgrade request; resolves with the answer's status once its head is in. */
function upgrade(port: number, path: string, extraHeaders: string): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Failure(`upgrade not answered in ${ANSWER_WITHIN_MS} ms`));
    }, ANSWER_WITHIN_MS);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.off('data', onData);
      resolve({
        status: Number(text.split(' ')[1]),
        head: text.slice(0, end),
        socket,
        ms: performance.now() - started,
      });
    };
    socket.on('data', onData);
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      if (!text.includes('\r\n\r\n')) resolve({ status: 0, head: text, socket, ms: performance.now() - started });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extraHeaders}\r\n`);
  });
}

const WS_HEADERS = () =>
  `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`;

/** An upgrade that no token admits: malformed headers, bad or missing tokens. */
const consoleRefused: Shot = async (rng, ctx, note) => {
  const token = rng.pick(['', 'x', rng.bytes(32).toString('base64url'), rng.urlGarbage(10), 'A'.repeat(5000)]);
  const path = rng.pick([
    `/websockify/?s=${token}`,
    `/websockify?s=${token}`,
    '/websockify/',
    `/websockify/?s=${token}&s=x`,
  ]);
  const headerSet = rng.pick([
    WS_HEADERS,
    () => 'Upgrade: websocket\r\nConnection: Upgrade\r\n',
    () => `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: short\r\n`,
    () =>
      `Upgrade: ${rng.headerValue(20)}\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${rng.headerValue(30)}\r\n`,
  ])();
  note(`console refused ${path.slice(0, 80)}`);
  const answer = await upgrade(ctx.server.port, path, headerSet);
  answer.socket.destroy();
  checkTime(answer.ms, 'upgrade answered');
  check(
    answer.status >= 400 && answer.status < 500,
    `upgrade with token ${token.slice(0, 20)} answered ${answer.status}: ${answer.head.slice(0, 200)}`,
  );
};

/** An admitted session (a fresh token each time) fed garbage: bad frames, bad RFB, or cut short. */
const consoleSession: Shot = async (rng, ctx, note) => {
  const url = ctx.ledger.addConsoleUrl(await consoleUrl(ctx.client, ctx.consoleInstance));
  const answer = await upgrade(ctx.server.port, new URL(url).pathname + new URL(url).search, WS_HEADERS());
  checkTime(answer.ms, 'upgrade answered');
  check(answer.status === 101, `a fresh token was not admitted: ${answer.head.slice(0, 200)}`);
  const { socket } = answer;
  const version = Buffer.from('RFB 003.008\n');
  const kind = rng.int(6);
  const frames: Buffer[] =
    kind === 0
      ? [binary(rng.bytes(1 + rng.int(100)))] // not RFB at all
      : kind === 1
        ? [binary(version.subarray(0, 1 + rng.int(11)))] // a truncated handshake
        : kind === 2
          ? [binary(version), binary(Buffer.of(rng.pick([0, 1, 2, 5, 16, 255]))), binary(rng.bytes(rng.int(20)))] // bad security choices
          : kind === 3
            ? [
                binary(version),
                binary(Buffer.of(1)),
                binary(Buffer.of(1)),
                ...Array.from({ length: 1 + rng.int(5) }, () => binary(rfbGarbage(rng))),
              ]
            : kind === 4
              ? [
                  rng.pick([
                    () => frame(2, rng.bytes(10), { mask: false }), // clients must mask
                    () => frame(rng.pick([3, 4, 5, 6, 7, 11, 15]), rng.bytes(10)), // reserved opcodes
                    () => frame(2, rng.bytes(10), { rsv: 1 + rng.int(7) }), // reserved bits
                    () => frame(2, Buffer.alloc(0), { length: 2n ** 62n }), // a payload of 4 EiB
                    () => frame(2, Buffer.alloc(0), { length: 5n * 1024n * 1024n }), // beyond maxPayload
                    () => frame(9, rng.bytes(200)), // a control frame over 125 bytes
                    () => frame(8, rng.bytes(1 + rng.int(10)), { fin: false }), // a fragmented close
                    () => frame(1, Buffer.from([0xc3, 0x28, 0xff])), // text that is not UTF-8
                    () => frame(0, rng.bytes(10)), // a continuation of nothing
                    () => frame(8, Buffer.of(0x03, 0xe7)), // close with a reserved code
                  ])(),
                ]
              : [rng.bytes(1 + rng.int(50))]; // bytes that are not WebSocket framing
  note(`console session kind ${kind}: ${frames.map((f) => f.subarray(0, 24).toString('hex')).join(' ')}`);
  for (const f of frames) socket.write(f);
  // Give the gateway and the guest's RFB server time to act on it, then leave (or have been left).
  await new Promise((resolve) => setTimeout(resolve, 20 + rng.int(150)));
  socket.destroy();
};

/** The head of an upgrade cut short and the connection closed. */
const consoleTruncated: Shot = async (rng, ctx, note) => {
  const head = `GET /websockify/?s=${rng.bytes(32).toString('base64url')} HTTP/1.1\r\nHost: 127.0.0.1\r\n${WS_HEADERS()}\r\n`;
  const cut = head.slice(0, 1 + rng.int(head.length - 2));
  note(`console truncated ${JSON.stringify(cut.slice(0, 80))}`);
  const { text, ms } = await rawExchange(ctx.server.port, Buffer.from(cut));
  checkTime(ms, 'answered or closed');
  judgeRawText(text);
};

const SHOTS: [weight: number, shot: Shot][] = [
  [24, aliyunUnsigned],
  [22, aliyunSigned],
  [16, baiduUnsigned],
  [16, baiduSigned],
  [8, notHttp],
  [6, consoleRefused],
  [3, consoleSession],
  [5, consoleTruncated],
];
const WEIGHTS = SHOTS.reduce((n, [w]) => n + w, 0);
function shotFor(rng: Rng): Shot {
  let roll = rng.int(WEIGHTS);
  for (const [weight, shot] of SHOTS) {
    if (roll < weight) return shot;
    roll -= weight;
  }
  throw new Error('unreachable');
}

describe('fuzz: random and malformed requests across both dialects and the console gateway', () => {
  const ctx = { ledger: new SecretLedger() } as Context;

  before(async () => {
    ctx.server = await TestServer.start({
      args: ['--console-reconnects-per-minute', '1000000'],
      // The inspector, on loopback, is how the test has the server collect garbage and report its heap.
      env: { NODE_OPTIONS: '--inspect=127.0.0.1:0' },
    });
    ctx.client = new RawClient(ctx.server.port, CONCURRENCY);
    ctx.fuzzKey = await newAccount(ctx.server, 'fuzz');
    ctx.ledger.add('access key secret of the fuzz account', ctx.fuzzKey.secret);
    const fuzzInstance = await readyInstance(ctx.client, ctx.fuzzKey);
    ctx.fuzzIds = [fuzzInstance.instanceId, fuzzInstance.securityGroupId];
    ctx.consoleInstance = (await readyInstance(ctx.client)).instanceId;
  });
  after(async () => {
    ctx.client.close();
    await ctx.server.stop('SIGTERM');
    assert.deepEqual(ctx.ledger.findLeaks([ctx.server.output], ctx.server.dataDir), []);
    await ctx.server.dispose();
  });

  test(
    `${TOTAL} requests: never 5xx, never 3 s, no crash, memory back to its baseline`,
    { timeout: 600_000 },
    async () => {
      const pid = ctx.server.process.pid!;
      const heap = await HeapProbe.attach(ctx.server);
      const failures: string[] = [];
      const counts = new Map<Shot, number>();
      /** RSS in MiB every 10,000 requests, for the log: a leak climbs steadily, a warm heap levels off. */
      const samples: number[] = [];
      let signedAfterWarmup = 0;
      let next = 0;
      let end = 0;
      const worker = async () => {
        while (next < end && failures.length < 20) {
          const index = next++;
          if (index % 10_000 === 0) samples.push(Math.round(rssKiB(pid) / 1024));
          const rng = rngFor(index);
          const shot = shotFor(rng);
          counts.set(shot, (counts.get(shot) ?? 0) + 1);
          if (shot === aliyunSigned && index >= WARMUP) signedAfterWarmup++;
          let request = shot.name;
          try {
            await shot(rng, ctx, (what) => (request = what));
          } catch (error) {
            const why = error instanceof Failure ? error.message : `the client failed: ${(error as Error).stack}`;
            failures.push(`request #${index} of FUZZ_SEED=${SEED}, ${request}: ${why}`);
          }
        }
      };
      const runUpTo = (count: number) => {
        end = count;
        return Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };

      const started = performance.now();
      await runUpTo(WARMUP);
      // Measured in the lull between warm-up and load, with nothing in flight, as at the end.
      const baseline = { heap: await heap.usedAfterGc(), rss: rssKiB(pid) };
      await runUpTo(TOTAL);
      const seconds = (performance.now() - started) / 1000;
      const loadedKiB = rssKiB(pid);
      console.log(
        `fuzz seed ${SEED}: ${TOTAL} requests in ${seconds.toFixed(1)} s (${Math.round(TOTAL / seconds)}/s), ` +
          `slowest answer ${Math.round(slowestMs)} ms: ` +
          [...counts].map(([shot, n]) => `${shot.name} ${n}`).join(', '),
      );
      assert.deepEqual(failures, [], `replay with FUZZ_SEED=${SEED}`);

      assert.equal(ctx.server.process.exitCode, null, 'the server is still running');
      assert.equal((await ctx.client.send({ method: 'GET', path: '/healthz' })).status, 200);
      const regions = await aliyun(ctx.client, 'DescribeRegions');
      assert.equal(regions.status, 200, 'an ordinary call still works');
      assert.doesNotMatch(
        ctx.server.output,
        /unexpected error|request failed|console upgrade failed|transition step failed/,
      );

      ctx.client.close();
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const settledKiB = rssKiB(pid);
      const heapAfter = await heap.usedAfterGc();
      const collectedKiB = rssKiB(pid);
      heap.close();
      const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
      const heapGrowth = heapAfter - baseline.heap;
      const heapAllowed = signedAfterWarmup * NONCE_BYTES + HEAP_SLACK_BYTES;
      console.log(
        `server RSS: ${mib(baseline.rss)} after ${WARMUP} requests (collected), ${mib(loadedKiB)} after ${TOTAL}, ` +
          `${mib(settledKiB)} ${SETTLE_MS / 1000} s later, ${mib(collectedKiB)} collected; ` +
          `every 10,000 requests (MiB): ${samples.join(' ')}. ` +
          `Live heap: ${mib(baseline.heap / 1024)} -> ${mib(heapAfter / 1024)} (allowed +${mib(heapAllowed / 1024)} for ${signedAfterWarmup} nonces)`,
      );
      assert.ok(
        collectedKiB <= baseline.rss + RSS_MARGIN_KIB,
        `memory settled at ${mib(collectedKiB)}, more than ${mib(RSS_MARGIN_KIB)} above the ${mib(baseline.rss)} baseline`,
      );
      assert.ok(
        heapGrowth <= heapAllowed,
        `the live heap grew by ${mib(heapGrowth / 1024)}: something is kept per request`,
      );
    },
  );
});
