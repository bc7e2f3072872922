import type { Rect } from '../framebuffer.js';
import { Encoding } from '../protocol.js';
import { type RectEncoder, rectHeader } from './encoder.js';

export class RawEncoder implements RectEncoder {
  encode(rect: Rect, pixels: Buffer): Buffer[] {
    return [Buffer.concat([rectHeader(rect, Encoding.Raw), pixels])];
  }

  close(): void {}
}
