import { createHmac, randomUUID } from 'node:crypto';
import * as $Ecs from '@alicloud/ecs20140526';
import EcsModule from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
import { enc } from './http.js';
import { TEST_KEY, type TestServer, until } from './server.js';

export { $Ecs };
// The package is CommonJS: under ESM its client class is the default export's `default`.
const Ecs = EcsModule.default;
export type EcsClient = InstanceType<typeof Ecs>;

export const REGION = 'cn-hangzhou';
export const LINUX_IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240926.vhd';
export const WINDOWS_IMAGE = 'win2022_21H2_x64_dtc_zh-cn_40G_alibase_20240816.vhd';

export interface Key {
  id: string;
  secret: string;
}

/** The official @alicloud/ecs20140526 client: V3 signatures, or V1 with signatureAlgorithm 'v2'. */
export function ecsClient(server: TestServer, options: { v1?: boolean; key?: Key } = {}): EcsClient {
  const key = options.key ?? TEST_KEY;
  return new Ecs(
    new $OpenApiUtil.Config({
      accessKeyId: key.id,
      accessKeySecret: key.secret,
      endpoint: server.endpoint,
      protocol: 'http',
      ...(options.v1 ? { signatureAlgorithm: 'v2' } : {}),
    }),
  );
}

/** The official @alicloud/pop-core client (always V1; GET unless told POST). */
export function popClient(server: TestServer, key: Key = TEST_KEY) {
  return new RPCClient({
    accessKeyId: key.id,
    accessKeySecret: key.secret,
    endpoint: server.url,
    apiVersion: '2014-05-26',
  });
}

type RunInstancesFields = Partial<ConstructorParameters<typeof $Ecs.RunInstancesRequest>[0]>;

/** A RunInstances request for one Linux ecs.g7.large in REGION, with `fields` on top. */
export const runRequest = (fields: RunInstancesFields) =>
  new $Ecs.RunInstancesRequest({ regionId: REGION, imageId: LINUX_IMAGE, instanceType: 'ecs.g7.large', ...fields });

/**
 * Creates a security group and launches Linux instances into it (one unless `extra.amount` says),
 * in `extra.regionId` or REGION; does not wait for them to boot.
 */
export async function launchInstances(
  ecs: EcsClient,
  extra: RunInstancesFields = {},
): Promise<{ instanceIds: string[]; securityGroupId: string }> {
  const regionId = extra.regionId ?? REGION;
  const sg = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId }));
  const run = await ecs.runInstances(runRequest({ securityGroupId: sg.body!.securityGroupId, ...extra }));
  return { instanceIds: run.body!.instanceIdSets!.instanceIdSet!, securityGroupId: sg.body!.securityGroupId! };
}

/** Creates a security group and runs one Linux instance; resolves when it is Running. */
export async function runningInstance(
  ecs: EcsClient,
  extra: RunInstancesFields = {},
): Promise<{ instanceId: string; securityGroupId: string }> {
  const { instanceIds, securityGroupId } = await launchInstances(ecs, extra);
  const instanceId = instanceIds[0]!;
  await waitForStatus(ecs, instanceId, 'Running');
  return { instanceId, securityGroupId };
}

export async function statusOf(ecs: EcsClient, instanceId: string): Promise<string | undefined> {
  const answer = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
  return answer.body!.status;
}

export function waitForStatus(ecs: EcsClient, instanceId: string, status: string, timeoutMs = 15_000): Promise<true> {
  return until(async () => (await statusOf(ecs, instanceId)) === status, `${instanceId} to be ${status}`, timeoutMs);
}

/** Alibaba's error envelope, as JSON or XML carries it. */
export interface Envelope {
  RequestId: string;
  HostId: string;
  Code: string;
  Message: string;
  Recommend: string;
}

/** The error an SDK call rejects with: code, HTTP status and the parsed body. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ code: string; statusCode: number; data: Record<string, unknown> }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; statusCode: number; data: Record<string, unknown> };
    return { code: e.code, statusCode: e.statusCode, data: e.data };
  }
  throw new Error('the call succeeded but an error was expected');
}

/** An Alibaba timestamp: ISO 8601 UTC to the second. */
export const timestamp = (at = new Date()) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The V1 string-to-sign of parameters (a Signature among them left out), protocols.md 1.2. */
export function v1StringToSign(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .map((k) => [enc(k), enc(params[k]!)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  return `${method}&${enc('/')}&${enc(canonical)}`;
}

/**
 * The parameters of a V1 call with the common ones filled in (a fresh nonce, the current time) and
 * their HMAC-SHA1 Signature added; a parameter given as '\0omit' is left out altogether.
 */
export function signV1Params(
  params: Record<string, string>,
  key: Key = TEST_KEY,
  method: 'GET' | 'POST' = 'GET',
): Record<string, string> {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: '2014-05-26',
    AccessKeyId: key.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: timestamp(),
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v === '\0omit') delete all[k];
  all.Signature = createHmac('sha1', `${key.secret}&`).update(v1StringToSign(method, all)).digest('base64');
  return all;
}

/**
 * A V1-signed request built by hand from the spec (protocols.md 1.2), for the cases no SDK sends:
 * tampered signatures, stale timestamps, reused nonces. `mutate` may change the signed parameters.
 */
export async function signedV1(
  server: TestServer,
  params: Record<string, string>,
  options: { key?: Key; method?: 'GET' | 'POST'; mutate?: (signed: Record<string, string>) => void } = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const method = options.method ?? 'GET';
  const all = signV1Params(params, options.key, method);
  options.mutate?.(all);
  const query = Object.entries(all)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&');
  const response =
    method === 'GET'
      ? await fetch(`${server.url}/?${query}`)
      : await fetch(`${server.url}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: query,
        });
  return { status: response.status, body: await response.text(), headers: response.headers };
}
