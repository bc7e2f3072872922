import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { LINUX_IMAGE, REGION, type Key, signV1Params, timestamp } from '../helpers/aliyun.js';
import { enc, RawClient, type Shot } from '../helpers/http.js';
import { openecs, TEST_KEY, type TestServer, until } from '../helpers/server.js';

/**
 * What the reliability suite shares: hand-made Alibaba V1/V3 signatures sent through the lean
 * keep-alive RawClient (the official SDKs cost far more per call than the server does, and the
 * suite sends hundreds of thousands of calls), the server's memory as the kernel reports it, and
 * the check that no secret a test used ever reached the logs or the database files.
 */

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** An Alibaba V1 (HMAC-SHA1) request, signed as protocols.md 1.2 says: GET in the query, POST as a form. */
export function signV1(params: Record<string, string>, key: Key = TEST_KEY, method: 'GET' | 'POST' = 'GET'): Shot {
  const query = Object.entries(signV1Params(params, key, method))
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  return method === 'GET'
    ? { method, path: `/?${query}` }
    : { method, path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: query };
}

/** An Alibaba V3 (ACS3-HMAC-SHA256) request with the parameters in the query, as the Tea SDKs send RPC calls. */
export function signV3(action: string, params: Record<string, string>, key: Key = TEST_KEY, port = 0): Shot {
  const query = Object.entries(params)
    .map(([k, v]) => [enc(k), enc(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port}`,
    'x-acs-action': action,
    'x-acs-version': '2014-05-26',
    'x-acs-date': timestamp(),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
  };
  const names = Object.keys(headers).sort();
  const canonicalRequest = [
    'POST',
    '/',
    query,
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    headers['x-acs-content-sha256'],
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', key.secret).update(stringToSign).digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${names.join(';')},Signature=${signature}`;
  return { method: 'POST', path: query ? `/?${query}` : '/', headers };
}

/** One Alibaba call through the lean client; the answer's JSON (success or error envelope). */
export async function aliyun(
  client: RawClient,
  action: string,
  params: Record<string, string> = {},
  key: Key = TEST_KEY,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const answer = await client.send(signV1({ Action: action, ...params }, key));
  return { status: answer.status, json: JSON.parse(answer.body) as Record<string, unknown> };
}

/** A new account with its own key (`openecs keys create`), as another tenant of the same server. */
export async function newAccount(server: TestServer, name: string): Promise<Key> {
  const created = await openecs(['keys', 'create', '--account', name, '--json', '--data-dir', server.dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const issued = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
  return { id: issued.accessKeyId, secret: issued.accessKeySecret };
}

/** Stopped instances, made one call each (CreateInstance boots nothing: cheap, and their records are what matters). */
export async function stoppedInstances(client: RawClient, count: number, key: Key = TEST_KEY): Promise<string[]> {
  const group = await aliyun(client, 'CreateSecurityGroup', { RegionId: REGION }, key);
  assert.equal(group.status, 200, JSON.stringify(group.json));
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await aliyun(
      client,
      'CreateInstance',
      {
        RegionId: REGION,
        ImageId: LINUX_IMAGE,
        InstanceType: 'ecs.g7.large',
        SecurityGroupId: group.json.SecurityGroupId as string,
        InstanceName: `initial-${i}`,
      },
      key,
    );
    assert.equal(created.status, 200, JSON.stringify(created.json));
    ids.push(created.json.InstanceId as string);
  }
  return ids;
}

/** The server process's resident set (VmRSS), in KiB, as the kernel accounts it. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/**
 * Every secret a test handed the server, to be searched for afterwards in what the server wrote:
 * its log output and its raw SQLite files (database, WAL, shared memory). A secret is looked for
 * as given, percent-encoded and JSON-escaped, the forms a careless log line or row would hold.
 */
export class SecretLedger {
  private readonly secrets = new Map<string, string>();
  /** Console tokens (43 base64url characters), possibly thousands: found by one pass over each file. */
  private readonly tokens = new Set<string>();

  constructor() {
    this.add('access key secret of the test key', TEST_KEY.secret);
  }

  add(what: string, value: string): string {
    this.secrets.set(value, what);
    return value;
  }

  get size(): number {
    return this.secrets.size + this.tokens.size;
  }

  addToken(token: string): void {
    assert.match(token, TOKEN, 'a console token is 43 base64url characters');
    this.tokens.add(token);
  }

  /** The token of a console URL (ws://.../websockify/?s=token), noted. */
  addConsoleUrl(url: string): string {
    this.addToken(new URL(url).searchParams.get('s')!);
    return url;
  }

  /** Where each secret was found; empty when none was. Read after the servers stop, so the files are final. */
  findLeaks(outputs: string[], dataDir: string, postgresDataDir?: string): string[] {
    const places: [string, Buffer][] = outputs.map((text, i) => [`server output #${i + 1}`, Buffer.from(text)]);
    for (const name of ['openecs.db', 'openecs.db-wal', 'openecs.db-shm']) {
      const file = join(dataDir, name);
      if (existsSync(file)) places.push([name, readFileSync(file)]);
    }
    // PostgreSQL's tables, indexes and write-ahead log, every file of the cluster.
    if (postgresDataDir) {
      for (const entry of readdirSync(postgresDataDir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) places.push([`postgres ${entry.name}`, readFileSync(join(entry.parentPath, entry.name))]);
      }
    }
    assert.ok(
      places.some(([name]) => name === 'openecs.db' || name.startsWith('postgres ')),
      `no database in ${dataDir}: the scan would prove nothing`,
    );
    const hits: string[] = [];
    for (const [value, what] of this.secrets) {
      const forms = new Set([value, enc(value), JSON.stringify(value).slice(1, -1)]);
      for (const [place, bytes] of places) {
        if ([...forms].some((form) => bytes.includes(form))) hits.push(`${what} found in ${place}`);
      }
    }
    for (const [place, bytes] of places) {
      for (const run of bytes.toString('latin1').matchAll(/[A-Za-z0-9_-]{43,}/g)) {
        for (let at = 0; at + 43 <= run[0].length; at++) {
          if (this.tokens.has(run[0].slice(at, at + 43))) hits.push(`a console token found in ${place}`);
        }
      }
    }
    return hits;
  }
}

/** A password of Alibaba's rules (three character classes), random enough to find anywhere. */
export function randomPassword(prefix = 'Pw'): string {
  return `${prefix}${randomUUID().replace(/-/g, '').slice(0, 14)}!9a`;
}

/** Runs one Linux instance in a new security group; resolves once its guest is up (a console can be issued). */
export async function readyInstance(
  client: RawClient,
  key: Key = TEST_KEY,
  extra: Record<string, string> = {},
): Promise<{ instanceId: string; securityGroupId: string }> {
  const group = await aliyun(client, 'CreateSecurityGroup', { RegionId: REGION }, key);
  assert.equal(group.status, 200, JSON.stringify(group.json));
  const securityGroupId = group.json.SecurityGroupId as string;
  const run = await aliyun(
    client,
    'RunInstances',
    {
      RegionId: REGION,
      ImageId: LINUX_IMAGE,
      InstanceType: 'ecs.g7.large',
      SecurityGroupId: securityGroupId,
      ...extra,
    },
    key,
  );
  assert.equal(run.status, 200, JSON.stringify(run.json));
  const instanceId = (run.json.InstanceIdSets as { InstanceIdSet: string[] }).InstanceIdSet[0]!;
  await until(
    async () =>
      (await aliyun(client, 'DescribeInstanceVncUrl', { RegionId: REGION, InstanceId: instanceId }, key)).status ===
      200,
    `${instanceId} to boot`,
    30_000,
  );
  return { instanceId, securityGroupId };
}

/** A console URL (ws://.../websockify/?s=token) through DescribeInstanceVncUrl. */
export async function consoleUrl(client: RawClient, instanceId: string, key: Key = TEST_KEY): Promise<string> {
  const answer = await aliyun(client, 'DescribeInstanceVncUrl', { RegionId: REGION, InstanceId: instanceId }, key);
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return decodeURIComponent(answer.json.VncUrl as string);
}

/**
 * The server's V8 heap through the inspector protocol (the server started with NODE_OPTIONS
 * --inspect=127.0.0.1:0): a full garbage collection, then the bytes still in use. Unlike the
 * resident set, which keeps pages V8 once grew into, this is what a leak moves.
 */
export class HeapProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Record<string, unknown>) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result ?? {});
    });
  }

  static async attach(server: TestServer): Promise<HeapProbe> {
    const url = await until(async () => /Debugger listening on (ws:\/\/\S+)/.exec(server.output)?.[1], 'the inspector');
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    return new HeapProbe(socket);
  }

  private call(method: string, params: object = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Bytes of live objects after a full collection. */
  async usedAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    return (await this.call('Runtime.getHeapUsage')).usedSize as number;
  }

  close(): void {
    this.socket.close();
  }
}
