import { createCipheriv, createDecipheriv, createHash, randomBytes, randomInt } from 'node:crypto';
import { encrypt as cryptEncrypt, verify as cryptVerify } from 'unixcrypt';

/**
 * Secrets at rest. Admin passwords are only ever kept as SHA-512 crypt hashes (the form a guest's
 * /etc/shadow takes); values that must be recovered (VNC passwords, the secret half of access keys,
 * which HMAC verification needs) are sealed with AES-256-GCM under the master key; console tokens
 * are kept as SHA-256 digests.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.key = masterKey;
  }

  /** Returns `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

const CRYPT_SALT_ALPHABET = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function hashPassword(password: string): string {
  let salt = '';
  for (let i = 0; i < 16; i++) salt += CRYPT_SALT_ALPHABET[randomInt(CRYPT_SALT_ALPHABET.length)];
  return cryptEncrypt(password, `$6$${salt}`);
}

export function verifyPassword(password: string, hash: string): boolean {
  return cryptVerify(password, hash);
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
