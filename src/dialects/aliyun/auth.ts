import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import type { AccountService, Credentials } from '../../core/accounts.js';
import { header, type ApiRequest } from '../http-request.js';
import { percentEncode } from '../percent-encode.js';
import { gateway } from './errors.js';
import type { NonceCache } from './nonces.js';

export interface AuthContext {
  credentials: AccountService['credentials'];
  nonces: NonceCache;
  now: number;
  clockSkewMs: number;
}

export interface Authenticated {
  accessKeyId: string;
  accountId: string;
  signatureVersion: 'v1' | 'v3';
  action: string | undefined;
  version: string | undefined;
}

/** Parameters that belong to the V1 envelope rather than to the operation. */
export const V1_COMMON = new Set([
  'Action',
  'Version',
  'Format',
  'AccessKeyId',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'Timestamp',
  'Signature',
  'SecurityToken',
]);

/** Parameters whose values are secrets: never echoed back, not even inside a string-to-sign. */
const SECRET_PARAMS = new Set(['Password', 'VncPassword', 'RemoteConnectionOptions.Password']);
const maskSecret = (key: string, value: string) => (SECRET_PARAMS.has(key) ? '******' : value);

/**
 * V1's string to sign. The copy shown in a SignatureDoesNotMatch message (as Alibaba shows it)
 * passes its values through `show`, which masks secrets; every other byte is what was signed.
 */
function v1StringToSign(
  method: string,
  params: Map<string, string>,
  show = (_key: string, value: string) => value,
): string {
  const canonical = [...params.entries()]
    .filter(([key]) => key !== 'Signature')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${percentEncode(key)}=${percentEncode(show(key, value))}`)
    .join('&');
  return `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

function checkTimestamp(value: string, ctx: AuthContext): void {
  const at = TIMESTAMP.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) throw gateway.timestampFormat();
  if (Math.abs(ctx.now - at) > ctx.clockSkewMs) throw gateway.timestampExpired();
}

async function keyOf(accessKeyId: string, ctx: AuthContext): Promise<Credentials> {
  const key = await ctx.credentials(accessKeyId);
  if (key === undefined) throw gateway.unknownKey();
  if (key === 'inactive') throw gateway.inactiveKey();
  return key;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Verifies a V1 (HMAC-SHA1) request; params are all decoded query and form parameters. */
export async function verifyV1(
  request: ApiRequest,
  params: Map<string, string>,
  ctx: AuthContext,
): Promise<Authenticated> {
  for (const name of ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureNonce', 'Timestamp']) {
    if (!params.get(name)) throw gateway.missing(name);
  }
  if (params.get('SignatureMethod') !== 'HMAC-SHA1') throw gateway.signatureMethod();
  checkTimestamp(params.get('Timestamp')!, ctx);
  const accessKeyId = params.get('AccessKeyId')!;
  const { secret, accountId } = await keyOf(accessKeyId, ctx);
  const stringToSign = v1StringToSign(request.method, params);
  const expected = createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
  if (!sameText(expected, params.get('Signature')!)) {
    throw gateway.signatureMismatch(v1StringToSign(request.method, params, maskSecret));
  }
  if (!ctx.nonces.claim(accessKeyId, params.get('SignatureNonce')!, ctx.now)) throw gateway.nonceUsed();
  return {
    accessKeyId,
    accountId,
    signatureVersion: 'v1',
    action: params.get('Action'),
    version: params.get('Version'),
  };
}

/** One-shot hashing: half the cost of a Hash object per call, and every V3 request makes two. */
const sha256Hex = (data: Buffer | string) => hash('sha256', data, 'hex');
/** The SDKs send their parameters in the query: most V3 bodies are empty. */
const EMPTY_SHA256 = sha256Hex('');

const V3_AUTHORIZATION =
  /^ACS3-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]*),\s*Signature=([0-9a-fA-F]+)$/;
/** Headers that must be signed whenever they are sent, so that none can be swapped in transit. */
const MUST_SIGN = ['host', 'x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce'];

/** Verifies a V3 (ACS3-HMAC-SHA256) request; queryParams are the decoded query parameters. */
export async function verifyV3(
  request: ApiRequest,
  queryParams: Map<string, string>,
  ctx: AuthContext,
): Promise<Authenticated> {
  const match = V3_AUTHORIZATION.exec(header(request, 'authorization') ?? '');
  if (!match) throw gateway.incompleteSignature('Malformed Authorization header.');
  const [, accessKeyId, signedHeaderList, signature] = match as unknown as [string, string, string, string];
  for (const name of ['x-acs-date', 'x-acs-signature-nonce', 'x-acs-action', 'x-acs-version']) {
    if (!header(request, name)) throw gateway.missing(name);
  }
  const signedHeaders = signedHeaderList.split(';').filter(Boolean);
  const presentAcs = Object.keys(request.headers).filter((name) => name.startsWith('x-acs-'));
  const unsigned = [...MUST_SIGN, ...presentAcs].find((name) => !signedHeaders.includes(name));
  if (unsigned) throw gateway.incompleteSignature(`Header ${unsigned} must be signed.`);
  checkTimestamp(header(request, 'x-acs-date')!, ctx);
  const { secret, accountId } = await keyOf(accessKeyId, ctx);

  const canonicalQuery = [...queryParams.entries()]
    .map(([key, value]) => [percentEncode(key), percentEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalHeaders = [...signedHeaders]
    .sort()
    .map((name) => `${name}:${(header(request, name) ?? '').trim()}\n`)
    .join('');
  const hashedPayload = request.body.length ? sha256Hex(request.body) : EMPTY_SHA256;
  const canonicalRequest = [
    request.method,
    request.path || '/',
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    hashedPayload,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256Hex(canonicalRequest)}`;
  const expected = createHmac('sha256', secret).update(stringToSign).digest('hex');
  if (!sameText(expected, signature.toLowerCase())) throw gateway.signatureMismatch(stringToSign);
  if (!ctx.nonces.claim(accessKeyId, header(request, 'x-acs-signature-nonce')!, ctx.now)) throw gateway.nonceUsed();
  return {
    accessKeyId,
    accountId,
    signatureVersion: 'v3',
    action: header(request, 'x-acs-action'),
    version: header(request, 'x-acs-version'),
  };
}
