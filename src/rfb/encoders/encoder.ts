import type { Rect } from '../framebuffer.js';
import type { PixelFormat } from '../pixel-format.js';

/**
 * Turns one rectangle of pixels, already in the client's format, into wire rectangles (header
 * included). An encoder may split a rectangle, so it returns a list; the caller counts them for
 * the FramebufferUpdate header. Encoders holding zlib streams live as long as the connection,
 * because the client's inflaters do.
 */
export interface RectEncoder {
  encode(rect: Rect, pixels: Buffer, format: PixelFormat): Buffer[] | Promise<Buffer[]>;
  close(): void;
}

const RECT_HEADER_SIZE = 12;

export function rectHeader(rect: Rect, encoding: number): Buffer {
  const header = Buffer.alloc(RECT_HEADER_SIZE);
  header.writeUInt16BE(rect.x, 0);
  header.writeUInt16BE(rect.y, 2);
  header.writeUInt16BE(rect.width, 4);
  header.writeUInt16BE(rect.height, 6);
  header.writeInt32BE(encoding, 8);
  return header;
}
