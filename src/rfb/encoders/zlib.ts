import type { Rect } from '../framebuffer.js';
import { Encoding } from '../protocol.js';
import { DeflateStream } from './deflate-stream.js';
import { type RectEncoder, rectHeader } from './encoder.js';

/** Encoding 6: the Raw pixels, compressed by the connection's one zlib stream. */
export class ZlibEncoder implements RectEncoder {
  private readonly stream = new DeflateStream(6);

  async encode(rect: Rect, pixels: Buffer): Promise<Buffer[]> {
    const data = await this.stream.compress(pixels);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return [Buffer.concat([rectHeader(rect, Encoding.Zlib), length, data])];
  }

  close(): void {
    this.stream.close();
  }
}
