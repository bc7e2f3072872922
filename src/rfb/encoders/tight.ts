import type { Rect } from '../framebuffer.js';
import { type PixelFormat, bytesPerPixel, readPixel } from '../pixel-format.js';
import { Encoding } from '../protocol.js';
import { DeflateStream } from './deflate-stream.js';
import { type RectEncoder, rectHeader } from './encoder.js';

/** The Tight protocol caps a rectangle's width. */
const MAX_TILE_WIDTH = 2048;
/**
 * Tiles are kept short so blank stretches of a console become 16-byte "fill" rectangles and a
 * tile's palette stays small; each tile costs only a header and a few bytes of zlib framing.
 */
const MAX_TILE_HEIGHT = 32;
/** Data shorter than this goes uncompressed, as the Tight specification mandates. */
const MIN_COMPRESSED = 12;

const FILL = 0x80;
const EXPLICIT_FILTER = 0x40;
const PALETTE_FILTER = 1;

/** Separate zlib streams per kind of data, so text bitmaps and full colour keep their own history. */
const Stream = { FullColour: 0, Mono: 1, Indexed: 2 } as const;

/**
 * Encoding 7 (Tight) with the lossless subset: solid tiles as fill, 2..256-colour tiles through
 * the palette filter (1 bit per pixel for two colours), anything else as full-colour copy; all
 * data through persistent zlib streams.
 */
export class TightEncoder implements RectEncoder {
  private readonly streams = new Map<number, DeflateStream>();

  async encode(rect: Rect, pixels: Buffer, format: PixelFormat): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (let y = 0; y < rect.height; y += MAX_TILE_HEIGHT) {
      for (let x = 0; x < rect.width; x += MAX_TILE_WIDTH) {
        const tile = {
          x: rect.x + x,
          y: rect.y + y,
          width: Math.min(MAX_TILE_WIDTH, rect.width - x),
          height: Math.min(MAX_TILE_HEIGHT, rect.height - y),
        };
        out.push(await this.encodeTile(tile, cropTile(pixels, rect, tile, format), format));
      }
    }
    return out;
  }

  close(): void {
    for (const stream of this.streams.values()) stream.close();
  }

  private async encodeTile(tile: Rect, pixels: Buffer, format: PixelFormat): Promise<Buffer> {
    const header = rectHeader(tile, Encoding.Tight);
    const bpp = bytesPerPixel(format);
    const count = tile.width * tile.height;
    const palette = collectPalette(pixels, count, format);
    if (palette && palette.size === 1) {
      return Buffer.concat([header, Buffer.of(FILL), tightPixel(readPixel(pixels, 0, format), format)]);
    }
    if (palette) {
      const colours = [...palette.keys()].map((p) => tightPixel(p, format));
      const indices =
        palette.size === 2 ? monoBitmap(pixels, tile, palette, format) : indexBytes(pixels, count, palette, format);
      const stream = palette.size === 2 ? Stream.Mono : Stream.Indexed;
      return Buffer.concat([
        header,
        Buffer.of(EXPLICIT_FILTER | (stream << 4), PALETTE_FILTER, palette.size - 1),
        ...colours,
        await this.compressed(stream, indices),
      ]);
    }
    const data = isPacked24(format) ? pack24(pixels, count, format) : pixels;
    return Buffer.concat([header, Buffer.of(Stream.FullColour << 4), await this.compressed(Stream.FullColour, data)]);
  }

  private async compressed(streamId: number, data: Buffer): Promise<Buffer> {
    if (data.length < MIN_COMPRESSED) return data;
    let stream = this.streams.get(streamId);
    if (!stream) {
      stream = new DeflateStream(6);
      this.streams.set(streamId, stream);
    }
    const packed = await stream.compress(data);
    return Buffer.concat([compactLength(packed.length), packed]);
  }
}

function cropTile(pixels: Buffer, rect: Rect, tile: Rect, format: PixelFormat): Buffer {
  const bpp = bytesPerPixel(format);
  if (tile.width === rect.width) {
    const start = (tile.y - rect.y) * rect.width * bpp;
    return pixels.subarray(start, start + tile.width * tile.height * bpp);
  }
  const out = Buffer.allocUnsafe(tile.width * tile.height * bpp);
  for (let row = 0; row < tile.height; row++) {
    const start = ((tile.y - rect.y + row) * rect.width + (tile.x - rect.x)) * bpp;
    pixels.copy(out, row * tile.width * bpp, start, start + tile.width * bpp);
  }
  return out;
}

/** Colour -> palette index, or null when the tile has more than 256 colours. */
function collectPalette(pixels: Buffer, count: number, format: PixelFormat): Map<number, number> | null {
  const bpp = bytesPerPixel(format);
  const palette = new Map<number, number>();
  let last = -1;
  for (let i = 0; i < count; i++) {
    const p = readPixel(pixels, i * bpp, format);
    if (p === last) continue;
    last = p;
    if (!palette.has(p)) {
      if (palette.size === 256) return null;
      palette.set(p, palette.size);
    }
  }
  return palette;
}

/** One bit per pixel, most significant first, each row padded to a byte. */
function monoBitmap(pixels: Buffer, tile: Rect, palette: Map<number, number>, format: PixelFormat): Buffer {
  const bpp = bytesPerPixel(format);
  const rowBytes = (tile.width + 7) >> 3;
  const out = Buffer.alloc(rowBytes * tile.height);
  for (let y = 0; y < tile.height; y++) {
    for (let x = 0; x < tile.width; x++) {
      if (palette.get(readPixel(pixels, (y * tile.width + x) * bpp, format)) === 1) {
        out[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
      }
    }
  }
  return out;
}

function indexBytes(pixels: Buffer, count: number, palette: Map<number, number>, format: PixelFormat): Buffer {
  const bpp = bytesPerPixel(format);
  const out = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) out[i] = palette.get(readPixel(pixels, i * bpp, format))!;
  return out;
}

/** Tight sends 24-bit colour in 32-bit formats as three bytes R, G, B ("TPIXEL"). */
function isPacked24(format: PixelFormat): boolean {
  return (
    format.bitsPerPixel === 32 &&
    format.depth === 24 &&
    format.redMax === 255 &&
    format.greenMax === 255 &&
    format.blueMax === 255
  );
}

function writePacked24(pixel: number, format: PixelFormat, out: Buffer, at: number): void {
  out[at] = (pixel >>> format.redShift) & 0xff;
  out[at + 1] = (pixel >>> format.greenShift) & 0xff;
  out[at + 2] = (pixel >>> format.blueShift) & 0xff;
}

function pack24(pixels: Buffer, count: number, format: PixelFormat): Buffer {
  const out = Buffer.allocUnsafe(count * 3);
  for (let i = 0; i < count; i++) writePacked24(readPixel(pixels, i * 4, format), format, out, i * 3);
  return out;
}

function tightPixel(pixel: number, format: PixelFormat): Buffer {
  if (isPacked24(format)) {
    const out = Buffer.alloc(3);
    writePacked24(pixel, format, out, 0);
    return out;
  }
  const out = Buffer.alloc(bytesPerPixel(format));
  if (out.length === 4) {
    if (format.bigEndian) out.writeUInt32BE(pixel);
    else out.writeUInt32LE(pixel);
  } else if (out.length === 2) {
    if (format.bigEndian) out.writeUInt16BE(pixel);
    else out.writeUInt16LE(pixel);
  } else {
    out[0] = pixel;
  }
  return out;
}

/** Tight's 1-3 byte length: 7 bits per byte, low bits first, high bit meaning "more follows". */
function compactLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  if (length < 0x4000) return Buffer.of((length & 0x7f) | 0x80, length >> 7);
  return Buffer.of((length & 0x7f) | 0x80, ((length >> 7) & 0x7f) | 0x80, length >> 14);
}
