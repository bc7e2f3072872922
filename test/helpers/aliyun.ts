import { createHmac, randomUUID } from 'node:crypto';
import * as $Ecs from '@alicloud/ecs20140526';
import EcsModule from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import RPCClient from '@alicloud/pop-core';
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

/** Creates a security group and runs one Linux instance; resolves when it is Running. */
export async function runningInstance(
  ecs: EcsClient,
  extra: Partial<ConstructorParameters<typeof $Ecs.RunInstancesRequest>[0]> = {},
): Promise<{ instanceId: string; securityGroupId: string }> {
  const sg = await ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION }));
  const run = await ecs.runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: REGION,
      imageId: LINUX_IMAGE,
      instanceType: 'ecs.g7.large',
      securityGroupId: sg.body!.securityGroupId,
      ...extra,
    }),
  );
  const instanceId = run.body!.instanceIdSets!.instanceIdSet![0]!;
  await waitForStatus(ecs, instanceId, 'Running');
  return { instanceId, securityGroupId: sg.body!.securityGroupId! };
}

export async function statusOf(ecs: EcsClient, instanceId: string): Promise<string | undefined> {
  const answer = await ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId }));
  return answer.body!.status;
}

export function waitForStatus(ecs: EcsClient, instanceId: string, status: string, timeoutMs = 15_000): Promise<true> {
  return until(async () => (await statusOf(ecs, instanceId)) === status, `${instanceId} to be ${status}`, timeoutMs);
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

const enc = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/**
 * A V1-signed request built by hand from the spec (protocols.md 1.2), for the cases no SDK sends:
 * tampered signatures, stale timestamps, reused nonces. `mutate` may change the signed parameters.
 */
export async function signedV1(
  server: TestServer,
  params: Record<string, string>,
  options: { key?: Key; method?: 'GET' | 'POST'; mutate?: (signed: Record<string, string>) => void } = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const key = options.key ?? TEST_KEY;
  const method = options.method ?? 'GET';
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: '2014-05-26',
    AccessKeyId: key.id,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v === '\0omit') delete all[k];
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${enc(k)}=${enc(all[k]!)}`)
    .join('&');
  const stringToSign = `${method}&${enc('/')}&${enc(canonical)}`;
  all.Signature = createHmac('sha1', `${key.secret}&`).update(stringToSign).digest('base64');
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
