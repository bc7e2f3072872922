import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AccountService } from '../../core/accounts.js';
import { header, type ApiRequest } from '../http-request.js';
import { percentEncode } from '../percent-encode.js';
import { bce } from './errors.js';

/** Who signed the request. The secret is kept for adminPass decryption, whose key derives from it. */
export interface BceIdentity {
  accessKeyId: string;
  accountId: string;
  secret: string;
}

export interface AuthContext {
  credentials: AccountService['credentials'];
  now: number;
  /** How far ahead of our clock a request's timestamp may be. */
  maxFutureSkewMs: number;
}

/** Far more than any BCC call sends (as in the Alibaba dialect): more are refused before any is decoded. */
const MAX_QUERY_PARAMS = 500;

/** A query parameter as sent, decoded: `?changePass` and `?changePass=` are both ['changePass', '']. */
export type QueryParam = [name: string, value: string];

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw bce.uri('malformed percent-encoding');
  }
}

/**
 * The query string, split and decoded, in order. `+` stays a plus: BCE signs RFC 3986 encodings,
 * where a space is %20. The JS SDK even encodes unreserved characters (`%2d`), so the canonical
 * form is always rebuilt from the decoded values, never taken from the wire.
 */
export function parseQuery(raw: string): QueryParam[] {
  const parts = raw.split('&').filter((part) => part !== '');
  if (parts.length > MAX_QUERY_PARAMS) throw bce.uri(`more than ${MAX_QUERY_PARAMS} parameters`);
  return parts.map((part) => {
    const eq = part.indexOf('=');
    return eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))];
  });
}

/** Headers signed when the auth string names none (`.../1800//<signature>`), besides every x-bce-*. */
const DEFAULT_SIGNED = new Set(['host', 'content-length', 'content-type', 'content-md5']);

const AUTH_VERSION = 'bce-auth-v1';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const EXPIRATION = /^[0-9]{1,10}$/;

const hmacHex = (key: string, data: string) => createHmac('sha256', key).update(data).digest('hex');

function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((segment) => percentEncode(decode(segment)))
    .join('/');
}

function canonicalQuery(query: QueryParam[]): string {
  return query
    .filter(([name]) => name.toLowerCase() !== 'authorization')
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .sort()
    .join('&');
}

/** `signed` null means the default set. Headers without a value are left out, as the signers leave them out. */
function canonicalHeaders(request: ApiRequest, signed: string[] | null): string {
  const names = signed ?? Object.keys(request.headers).filter((n) => DEFAULT_SIGNED.has(n) || n.startsWith('x-bce-'));
  const lines: string[] = [];
  for (const name of new Set(names)) {
    const value = header(request, name)?.trim();
    if (value) lines.push(`${percentEncode(name)}:${percentEncode(value)}`);
  }
  return lines.sort().join('\n');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Verifies `Authorization: bce-auth-v1/{ak}/{timestamp}/{expirationSeconds}/{signedHeaders}/{signature}`
 * (protocols.md 2.1): the signing key is hex(HMAC-SHA256(secret, authStringPrefix)), and the hex
 * string itself keys the HMAC of the canonical request.
 */
export async function authenticate(request: ApiRequest, query: QueryParam[], ctx: AuthContext): Promise<BceIdentity> {
  const authorization = header(request, 'authorization')?.trim();
  if (!authorization) throw bce.missingAuth();
  const parts = authorization.split('/');
  if (parts.length !== 6 || parts[0] !== AUTH_VERSION) {
    throw bce.authHeader(
      `expected ${AUTH_VERSION}/{accessKeyId}/{timestamp}/{expirationPeriodInSeconds}/{signedHeaders}/{signature}`,
    );
  }
  const [, accessKeyId = '', timestamp = '', expiration = '', signedText = '', signature = ''] = parts;
  if (!accessKeyId) throw bce.authHeader('the access key ID is empty');
  const at = TIMESTAMP.test(timestamp) ? Date.parse(timestamp) : NaN;
  if (Number.isNaN(at)) throw bce.authHeader('the timestamp must be UTC time as YYYY-MM-DDThh:mm:ssZ');
  if (!EXPIRATION.test(expiration) || Number(expiration) === 0) {
    throw bce.authHeader('expirationPeriodInSeconds must be a positive whole number');
  }
  if (!SIGNATURE.test(signature)) throw bce.authHeader('the signature must be 64 hexadecimal digits');
  const signed = signedText === '' ? null : signedText.split(';').map((name) => name.trim().toLowerCase());
  if (signed && signed.some((name) => name === '')) throw bce.authHeader('signedHeaders has an empty header name');
  if (signed && !signed.includes('host')) throw bce.authHeader('the host header must be signed');

  if (at > ctx.now + ctx.maxFutureSkewMs) throw bce.skewed(timestamp);
  if (at + Number(expiration) * 1000 < ctx.now) throw bce.expired(timestamp);

  const key = await ctx.credentials(accessKeyId);
  if (key === undefined) throw bce.unknownKey();
  if (key === 'inactive') throw bce.inactiveKey();
  const signingKey = hmacHex(key.secret, `${AUTH_VERSION}/${accessKeyId}/${timestamp}/${expiration}`);
  const canonicalRequest = [
    request.method,
    canonicalUri(request.path),
    canonicalQuery(query),
    canonicalHeaders(request, signed),
  ].join('\n');
  if (!sameText(hmacHex(signingKey, canonicalRequest), signature.toLowerCase())) throw bce.signature(canonicalRequest);
  return { accessKeyId, accountId: key.accountId, secret: key.secret };
}
