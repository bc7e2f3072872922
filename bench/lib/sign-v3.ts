import { createHash, createHmac, randomBytes } from 'node:crypto';

/** The bench's own ACS3-HMAC-SHA256 signer, written from protocols.md 1.3 (the server must accept it). */
export interface AccessKey {
  id: string;
  secret: string;
}

export interface SignedRequest {
  method: 'POST';
  path: string;
  headers: Record<string, string>;
}

const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

const encode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** One request as @alicloud/ecs20140526 sends it: POST /?<params>, empty body, a fresh nonce. */
export function signV3(key: AccessKey, host: string, action: string, params: Record<string, string>): SignedRequest {
  const query = Object.entries(params)
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const signed: Record<string, string> = {
    host,
    'x-acs-action': action,
    'x-acs-content-sha256': EMPTY_SHA256,
    'x-acs-date': new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomBytes(32).toString('hex'),
    'x-acs-version': '2014-05-26',
  };
  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((name) => `${name}:${signed[name]}\n`).join('');
  const canonicalRequest = ['POST', '/', query, canonicalHeaders, names.join(';'), EMPTY_SHA256].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  const signature = createHmac('sha256', key.secret).update(stringToSign).digest('hex');
  return {
    method: 'POST',
    path: `/?${query}`,
    headers: {
      ...signed,
      'content-length': '0',
      authorization: `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${names.join(';')},Signature=${signature}`,
    },
  };
}
