import { type Deflate, constants, createDeflate } from 'node:zlib';

/**
 * One zlib stream that lives across rectangles, each ended with Z_SYNC_FLUSH so the client can
 * decode it at once while the dictionary carries over (RFC 6143 7.7.2 and the Tight encoding
 * both require a single stream per connection). Calls must not overlap; the server encodes one
 * update at a time.
 */
export class DeflateStream {
  private readonly stream: Deflate;
  private output: Buffer[] = [];
  private failure: Error | null = null;

  constructor(level: number) {
    this.stream = createDeflate({ level });
    this.stream.on('data', (chunk: Buffer) => this.output.push(chunk));
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  compress(data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.stream.write(data);
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        if (this.failure) return reject(this.failure);
        const out = Buffer.concat(this.output);
        this.output = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}
