import type { Rect } from '../framebuffer.js';
import { Encoding } from '../protocol.js';
import { rectHeader } from './encoder.js';

/**
 * A rectangle telling the client to copy `dest`'s size of its own framebuffer from (srcX, srcY)
 * to `dest`: a scrolled screen then costs 16 bytes instead of its pixels.
 */
export function encodeCopyRect(dest: Rect, srcX: number, srcY: number): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(srcX, 0);
  body.writeUInt16BE(srcY, 2);
  return Buffer.concat([rectHeader(dest, Encoding.CopyRect), body]);
}
