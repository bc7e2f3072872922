import type { FramebufferSource, Rect } from './framebuffer.js';

export interface PixelFormat {
  bitsPerPixel: number;
  depth: number;
  bigEndian: boolean;
  trueColour: boolean;
  redMax: number;
  greenMax: number;
  blueMax: number;
  redShift: number;
  greenShift: number;
  blueShift: number;
}

/**
 * The format ServerInit announces: what QEMU, TigerVNC and x11vnc announce on x86, because some
 * clients (Net::VNC) assume it instead of reading it.
 */
export const DEFAULT_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 16,
  greenShift: 8,
  blueShift: 0,
};

/**
 * The source's own layout (bytes R, G, B, 0) read as a little-endian word: a client asking for it
 * (noVNC 1.7 does) costs a plain copy.
 */
export const NATIVE_FORMAT: PixelFormat = {
  bitsPerPixel: 32,
  depth: 24,
  bigEndian: false,
  trueColour: true,
  redMax: 255,
  greenMax: 255,
  blueMax: 255,
  redShift: 0,
  greenShift: 8,
  blueShift: 16,
};

const PIXEL_FORMAT_SIZE = 16;

export function readPixelFormat(buf: Buffer, at: number): PixelFormat {
  return {
    bitsPerPixel: buf.readUInt8(at),
    depth: buf.readUInt8(at + 1),
    bigEndian: buf.readUInt8(at + 2) !== 0,
    trueColour: buf.readUInt8(at + 3) !== 0,
    redMax: buf.readUInt16BE(at + 4),
    greenMax: buf.readUInt16BE(at + 6),
    blueMax: buf.readUInt16BE(at + 8),
    redShift: buf.readUInt8(at + 10),
    greenShift: buf.readUInt8(at + 11),
    blueShift: buf.readUInt8(at + 12),
  };
}

export function writePixelFormat(format: PixelFormat): Buffer {
  const buf = Buffer.alloc(PIXEL_FORMAT_SIZE);
  buf.writeUInt8(format.bitsPerPixel, 0);
  buf.writeUInt8(format.depth, 1);
  buf.writeUInt8(format.bigEndian ? 1 : 0, 2);
  buf.writeUInt8(format.trueColour ? 1 : 0, 3);
  buf.writeUInt16BE(format.redMax, 4);
  buf.writeUInt16BE(format.greenMax, 6);
  buf.writeUInt16BE(format.blueMax, 8);
  buf.writeUInt8(format.redShift, 10);
  buf.writeUInt8(format.greenShift, 11);
  buf.writeUInt8(format.blueShift, 12);
  return buf;
}

/** Why a requested format cannot be served, or null. Colour-map formats would need SetColourMapEntries. */
export function unsupportedReason(format: PixelFormat): string | null {
  if (![8, 16, 32].includes(format.bitsPerPixel)) return `bits-per-pixel ${format.bitsPerPixel}`;
  if (!format.trueColour) return 'colour-map pixel formats';
  if (Math.max(format.redShift, format.greenShift, format.blueShift) >= format.bitsPerPixel) {
    return 'a colour shift beyond the pixel';
  }
  return null;
}

export function bytesPerPixel(format: PixelFormat): number {
  return format.bitsPerPixel >> 3;
}

function isNative(format: PixelFormat): boolean {
  const fields = [
    'bitsPerPixel',
    'bigEndian',
    'redMax',
    'greenMax',
    'blueMax',
    'redShift',
    'greenShift',
    'blueShift',
  ] as const;
  return fields.every((field) => format[field] === NATIVE_FORMAT[field]);
}

/** Lookup tables from an 8-bit channel to its scaled, shifted contribution to a client pixel. */
function channelTable(max: number, shift: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (Math.round((v * max) / 255) * 2 ** shift) >>> 0;
  return table;
}

/** Copies `rect` of the screen into a new buffer of pixels in the client's format, row-major. */
export function translateRect(screen: FramebufferSource, rect: Rect, format: PixelFormat): Buffer {
  const src = screen.pixels;
  const srcStride = screen.width * 4;
  if (isNative(format)) {
    const out = Buffer.allocUnsafe(rect.width * rect.height * 4);
    for (let row = 0; row < rect.height; row++) {
      const start = (rect.y + row) * srcStride + rect.x * 4;
      src.copy(out, row * rect.width * 4, start, start + rect.width * 4);
    }
    return out;
  }
  const red = channelTable(format.redMax, format.redShift);
  const green = channelTable(format.greenMax, format.greenShift);
  const blue = channelTable(format.blueMax, format.blueShift);
  const bpp = bytesPerPixel(format);
  const out = Buffer.allocUnsafe(rect.width * rect.height * bpp);
  let o = 0;
  for (let row = 0; row < rect.height; row++) {
    let s = (rect.y + row) * srcStride + rect.x * 4;
    for (let col = 0; col < rect.width; col++, s += 4, o += bpp) {
      const value = (red[src[s]!]! | green[src[s + 1]!]! | blue[src[s + 2]!]!) >>> 0;
      if (bpp === 4) {
        if (format.bigEndian) out.writeUInt32BE(value, o);
        else out.writeUInt32LE(value, o);
      } else if (bpp === 2) {
        if (format.bigEndian) out.writeUInt16BE(value & 0xffff, o);
        else out.writeUInt16LE(value & 0xffff, o);
      } else {
        out[o] = value & 0xff;
      }
    }
  }
  return out;
}

/** Client-format pixels as numbers, for colour counting and repacking. */
export function pixelValues(pixels: Buffer, format: PixelFormat): Uint32Array {
  const bpp = bytesPerPixel(format);
  const values = new Uint32Array(pixels.length / bpp);
  // One loop per layout keeps the per-pixel path free of branches.
  if (bpp === 4 && format.bigEndian) for (let i = 0; i < values.length; i++) values[i] = pixels.readUInt32BE(i * 4);
  else if (bpp === 4) for (let i = 0; i < values.length; i++) values[i] = pixels.readUInt32LE(i * 4);
  else if (bpp === 2 && format.bigEndian)
    for (let i = 0; i < values.length; i++) values[i] = pixels.readUInt16BE(i * 2);
  else if (bpp === 2) for (let i = 0; i < values.length; i++) values[i] = pixels.readUInt16LE(i * 2);
  else values.set(pixels);
  return values;
}
