import { createCipheriv, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { enc } from './http.js';
import { TEST_KEY, type TestServer, until } from './server.js';

/**
 * A BCC client written from the specification (protocols.md 2.1, 2.2), independent of the server's
 * code: for what the official Node SDK does not send (/v2 paths, changePass, the empty
 * signed-headers form, no Content-Type, bare `?action` flags) and for requests built wrong on purpose.
 */

export interface Key {
  id: string;
  secret: string;
}

const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex');

/** Baidu's password transmission rule: hex(AES-128-ECB(first 16 characters of the secret, PKCS#7)). */
export function encryptAdminPass(password: string, secret: string): string {
  const cipher = createCipheriv('aes-128-ecb', Buffer.from(secret.slice(0, 16), 'utf8'), null);
  return Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]).toString('hex');
}

export const bceTimestamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A query parameter; a null value is a bare flag (`?changePass`), as the Go SDK sends it. */
export type Param = [name: string, value: string | null];

export interface BceRequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Param[];
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  key?: Key;
  /** Content-Type to send; null sends none (the Python SDK's way). Default application/json. */
  contentType?: string | null;
  /** Headers to sign; '' is the empty form, meaning the default set. Default host;x-bce-date and, with a body, content-length/content-type. */
  signedHeaders?: string[] | '';
  /** The Host header; default 127.0.0.1:<port>. */
  host?: string;
  timestamp?: Date;
  expirationSeconds?: number;
  extraHeaders?: Record<string, string>;
  /** The query string put on the wire instead of the canonical encoding of `query` (which is still what is signed). */
  wireQuery?: string;
  /** A body sent instead of the signed one (its Content-Length with it): tampering tests. */
  wireBody?: string;
  /** Changes the finished Authorization header (tampering tests). */
  mutateAuthorization?: (authorization: string) => string;
}

export interface BceResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export function signedRequest(server: TestServer, options: BceRequestOptions): Promise<BceResponse> {
  const key = options.key ?? TEST_KEY;
  const timestamp = bceTimestamp(options.timestamp ?? new Date());
  const expiration = options.expirationSeconds ?? 1800;
  const body =
    options.body === undefined ? '' : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    host: options.host ?? `127.0.0.1:${server.port}`,
    'x-bce-date': timestamp,
    ...(options.method === 'GET' && !body ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
    ...(options.contentType === null ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    ...options.extraHeaders,
  };
  const query = options.query ?? [];
  const rawQuery = options.wireQuery ?? query.map(([k, v]) => (v === null ? enc(k) : `${enc(k)}=${enc(v)}`)).join('&');

  const prefix = `bce-auth-v1/${key.id}/${timestamp}/${expiration}`;
  const canonicalUri = options.path
    .split('/')
    .map((segment) => enc(segment))
    .join('/');
  const canonicalQuery = query
    .map(([k, v]) => `${enc(k)}=${enc(v ?? '')}`)
    .sort()
    .join('&');
  const defaultSet = (name: string) =>
    ['host', 'content-length', 'content-type', 'content-md5'].includes(name) || name.startsWith('x-bce-');
  const signed =
    options.signedHeaders === ''
      ? Object.keys(headers).filter(defaultSet)
      : (options.signedHeaders ??
        Object.keys(headers).filter((n) => ['host', 'x-bce-date', 'content-type', 'content-length'].includes(n)));
  const canonicalHeaders = signed
    .filter((name) => headers[name]?.trim())
    .map((name) => `${enc(name.toLowerCase())}:${enc(headers[name]!.trim())}`)
    .sort();
  const canonicalRequest = [options.method, canonicalUri, canonicalQuery, canonicalHeaders.join('\n')].join('\n');
  const signature = hmacHex(hmacHex(key.secret, prefix), canonicalRequest);
  const signedList =
    options.signedHeaders === ''
      ? ''
      : [...signed]
          .map((n) => n.toLowerCase())
          .sort()
          .join(';');
  let authorization = `${prefix}/${signedList}/${signature}`;
  if (options.mutateAuthorization) authorization = options.mutateAuthorization(authorization);
  headers.authorization = authorization;
  const sent = options.wireBody ?? body;
  if (options.wireBody !== undefined) headers['content-length'] = String(Buffer.byteLength(sent));

  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method,
        path: options.path + (rawQuery ? `?${rawQuery}` : ''),
        headers,
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // Left empty: the caller asserts on text or status.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(sent);
  });
}

/** The official @baiducloud/sdk BccClient (its endpoints are under /v1). Its typings declare no methods. */
export interface BccSdkResponse<T> {
  http_headers: Record<string, string>;
  body: T;
}
export interface BccSdkClient {
  listInstances(options?: { maxKeys?: number; marker?: string }): Promise<BccSdkResponse<BccList>>;
  getInstance(id: string): Promise<BccSdkResponse<{ instance: BccInstance }>>;
  startInstance(id: string): Promise<BccSdkResponse<Record<string, unknown>>>;
  stopInstance(id: string): Promise<BccSdkResponse<Record<string, unknown>>>;
  restartInstance(id: string): Promise<BccSdkResponse<Record<string, unknown>>>;
  deleteInstance(id: string): Promise<BccSdkResponse<Record<string, unknown>>>;
  getVNCUrl(id: string): Promise<BccSdkResponse<{ vncUrl: string }>>;
  createInstance(body: Record<string, unknown>): Promise<BccSdkResponse<{ instanceIds: string[] }>>;
  getClientToken(): Promise<BccSdkResponse<{ token: string }>>;
}
export interface BccList {
  marker: string;
  isTruncated: boolean;
  nextMarker?: string;
  maxKeys: number;
  instances: BccInstance[];
}
export interface BccInstance {
  id: string;
  name: string;
  hostname: string;
  desc: string;
  status: string;
  spec: string;
  cpuCount: number;
  memoryCapacityInGB: number;
  imageId: string;
  zoneName: string;
  vpcId: string;
  subnetId: string;
  internalIp: string;
  createTime: string;
  paymentTiming: string;
  osName: string;
  tags: { tagKey: string; tagValue: string }[];
}

const require = createRequire(import.meta.url);
const sdk = require('@baiducloud/sdk') as { BccClient: new (config: unknown) => BccSdkClient };

export function bccClient(server: TestServer, key: Key = TEST_KEY): BccSdkClient {
  return new sdk.BccClient({ endpoint: server.url, credentials: { ak: key.id, sk: key.secret } });
}

/** What a BccClient promise rejects with (the SDK's failure object). */
export async function bccError(
  call: Promise<unknown>,
): Promise<{ status: number; code: string; requestId: string; message: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as Record<string, unknown>;
    return {
      status: e.status_code as number,
      code: e.code as string,
      requestId: e.request_id as string,
      message: e.message as string,
    };
  }
  throw new Error('the call succeeded but an error was expected');
}

export const LINUX_IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240926.vhd';

/** POST /v2/instance through the spec client; `adminPass` is given in the clear and encrypted here. */
export async function createInstance(
  server: TestServer,
  body: Record<string, unknown> & { adminPass?: string } = {},
  options: Partial<BceRequestOptions> = {},
): Promise<string[]> {
  const key = options.key ?? TEST_KEY;
  const { adminPass, ...rest } = body;
  const answer = await signedRequest(server, {
    method: 'POST',
    path: '/v2/instance',
    body: {
      imageId: LINUX_IMAGE,
      spec: 'ecs.g7.large',
      ...rest,
      ...(adminPass === undefined ? {} : { adminPass: encryptAdminPass(adminPass, key.secret) }),
    },
    ...options,
  });
  if (answer.status !== 200) throw new Error(`create failed: ${answer.status} ${answer.text}`);
  return answer.json.instanceIds as string[];
}

export async function getInstance(
  server: TestServer,
  id: string,
  options: Partial<BceRequestOptions> = {},
): Promise<BceResponse> {
  return signedRequest(server, { method: 'GET', path: `/v2/instance/${id}`, ...options });
}

export async function bccStatus(
  server: TestServer,
  id: string,
  options: Partial<BceRequestOptions> = {},
): Promise<string> {
  const answer = await getInstance(server, id, options);
  if (answer.status !== 200) throw new Error(`get failed: ${answer.status} ${answer.text}`);
  return (answer.json.instance as BccInstance).status;
}

export function waitForBccStatus(
  server: TestServer,
  id: string,
  status: string,
  options: Partial<BceRequestOptions> = {},
): Promise<true> {
  return until(async () => (await bccStatus(server, id, options)) === status, `${id} to be ${status}`);
}

/** PUT /v2/instance/{id}?<action> with an optional JSON body. */
export function instanceAction(
  server: TestServer,
  id: string,
  action: string,
  body?: unknown,
  options: Partial<BceRequestOptions> = {},
): Promise<BceResponse> {
  return signedRequest(server, {
    method: 'PUT',
    path: `/v2/instance/${id}`,
    query: [[action, null]],
    body,
    ...options,
  });
}
