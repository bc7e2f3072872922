import { randomBytes, randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomChars(count: number, alphabet = ALPHABET): string {
  let out = '';
  for (let i = 0; i < count; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Alibaba resource IDs carry a two-letter region flavour after the prefix (i-bp... is Hangzhou,
 * i-uf... Shanghai); scripts that parse IDs rely on that shape, so we keep it.
 */
export function resourceId(prefix: 'i' | 'sg' | 'vpc' | 'vsw', regionFlavour: string): string {
  return `${prefix}-${regionFlavour}${randomChars(18)}`;
}

export function accessKeyId(): string {
  return 'LTAI' + randomChars(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
}

export function accessKeySecret(): string {
  return randomChars(30, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
}

/** Alibaba account IDs are 16-digit numbers. */
export function accountId(): string {
  return String(randomInt(1, 10)) + randomChars(15, '0123456789');
}

/** Upper-case UUID, as Alibaba's RequestId. */
export function requestId(): string {
  return crypto.randomUUID().toUpperCase();
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}
