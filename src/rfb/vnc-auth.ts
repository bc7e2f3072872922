import { createCipheriv, randomBytes, timingSafeEqual } from 'node:crypto';

export const CHALLENGE_SIZE = 16;

/**
 * Single DES in ECB mode. OpenSSL 3 no longer offers `des-ecb`, but triple DES with K||K||K
 * collapses to one DES pass (encrypt-decrypt-encrypt with equal keys).
 */
export function desEcb(key: Buffer, data: Buffer): Buffer {
  const cipher = createCipheriv('des-ede3-ecb', Buffer.concat([key, key, key]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

function reverseBits(byte: number): number {
  let out = 0;
  for (let i = 0; i < 8; i++) out |= ((byte >> i) & 1) << (7 - i);
  return out;
}

/**
 * The DES key VNC derives from a password: the first 8 characters (one byte each, as noVNC sends
 * them), NUL-padded, with each byte's bits mirrored (RFC 6143 errata 4951).
 */
export function vncAuthKey(password: string): Buffer {
  const key = Buffer.alloc(8);
  Buffer.from(password.slice(0, 8), 'latin1').copy(key);
  return Buffer.from(key.map(reverseBits));
}

export function vncAuthResponse(password: string, challenge: Buffer): Buffer {
  return desEcb(vncAuthKey(password), challenge);
}

export function newChallenge(): Buffer {
  return randomBytes(CHALLENGE_SIZE);
}

export function checkVncAuth(password: string, challenge: Buffer, response: Buffer): boolean {
  const expected = vncAuthResponse(password, challenge);
  return response.length === expected.length && timingSafeEqual(response, expected);
}
