import { createDecipheriv } from 'node:crypto';
import { bce } from './errors.js';

const AES_BLOCK_BYTES = 16;
const HEX_BLOCKS = /^(?:[0-9a-fA-F]{32})+$/;

/**
 * Baidu's password transmission rule: adminPass is hex(AES-128-ECB(key = the first 16 characters
 * of the caller's secret access key, PKCS#7 padding, password)), in either case. Every way it can
 * fail is one clear 400; the message never holds the key, the ciphertext or what it decrypted to.
 */
export function decryptAdminPass(hex: string, secret: string): string {
  if (!HEX_BLOCKS.test(hex)) {
    throw bce.inappropriateJson(
      'adminPass must be hexadecimal AES-128-ECB ciphertext, a whole number of 16-byte blocks (32 hex digits each)',
    );
  }
  const key = Buffer.from(secret.slice(0, AES_BLOCK_BYTES), 'utf8');
  if (key.length !== AES_BLOCK_BYTES) {
    throw bce.inappropriateJson('adminPass cannot be decrypted: the access key secret is shorter than 16 characters');
  }
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-128-ecb', key, null);
    plain = Buffer.concat([decipher.update(Buffer.from(hex, 'hex')), decipher.final()]);
  } catch {
    // OpenSSL reports a bad final block; with AES that means the key was not ours or the data was altered.
    throw bce.inappropriateJson(
      'adminPass could not be decrypted: encrypt it with AES-128-ECB, PKCS#7 padding, and the first 16 characters of your secret access key as the key',
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw bce.inappropriateJson('adminPass did not decrypt to UTF-8 text: check the key it was encrypted with');
  }
}
