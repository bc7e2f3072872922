import { hash } from 'node:crypto';

/**
 * SignatureNonces seen in the last 15 minutes. A nonce only needs remembering while a request
 * carrying it could still pass the timestamp check, so entries expire with that window. Kept in
 * memory: a restart forgets them, which a replay could only exploit within the same 15 minutes.
 */
export class NonceCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 2_000_000,
  ) {}

  /** Records the nonce; false when it was already used. */
  claim(accessKeyId: string, nonce: string, now: number): boolean {
    this.sweep(now);
    // A digest rather than the text: 44 bytes however long the nonce is, and a string of its own.
    // The nonce and key id are slices of the request's URL, body or headers, and kept as they are
    // they would keep all of that in memory for the whole window (some 400 bytes per request).
    const key = hash('sha256', `${accessKeyId}\n${nonce}`, 'base64');
    if (this.seen.has(key)) return false;
    this.seen.set(key, now + this.windowMs);
    return true;
  }

  private sweep(now: number): void {
    // Map iterates in insertion order, which is expiry order: stop at the first live entry.
    for (const [key, expiresAt] of this.seen) {
      if (expiresAt > now && this.seen.size < this.maxEntries) break;
      this.seen.delete(key);
    }
  }
}
