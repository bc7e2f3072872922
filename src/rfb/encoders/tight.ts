import type { Rect } from '../framebuffer.js';
import { type PixelFormat, bytesPerPixel, pixelValues } from '../pixel-format.js';
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
/** An encoder's zlib streams are closed after this long without an update (see dropStreams). */
const IDLE_STREAM_MS = 1000;
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
  /** Streams dropped while idle: the client must reset its inflater before their next use. */
  private readonly dropped = new Set<number>();
  private idleTimer: NodeJS.Timeout | undefined;

  async encode(rect: Rect, pixels: Buffer, format: PixelFormat): Promise<Buffer[]> {
    clearTimeout(this.idleTimer);
    try {
      return await this.encodeTiles(rect, pixels, format);
    } finally {
      this.idleTimer = setTimeout(() => this.dropStreams(), IDLE_STREAM_MS).unref();
    }
  }

  /**
   * A zlib stream holds about 100 KB (230 KB at the defaults, still 94 KB with windowBits 11 and
   * memLevel 4, measured), and a console shows text through one or two of them: an idle viewer
   * would keep 200 KB for nothing (BENCHMARKS.md, sessions). After IDLE_STREAM_MS without updates
   * they are closed; Tight's compression-control byte tells the client to reset the matching
   * inflater at their next use.
   */
  private dropStreams(): void {
    for (const [id, stream] of this.streams) {
      stream.close();
      this.dropped.add(id);
    }
    this.streams.clear();
  }

  /** The control byte's reset bit for `streamId` (RFB Tight: bit i resets zlib stream i), once. */
  private resetBit(streamId: number): number {
    return this.dropped.delete(streamId) ? 1 << streamId : 0;
  }

  private async encodeTiles(rect: Rect, pixels: Buffer, format: PixelFormat): Promise<Buffer[]> {
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
    clearTimeout(this.idleTimer);
    for (const stream of this.streams.values()) stream.close();
  }

  private async encodeTile(tile: Rect, pixels: Buffer, format: PixelFormat): Promise<Buffer> {
    const header = rectHeader(tile, Encoding.Tight);
    const values = pixelValues(pixels, format);
    const palette = collectPalette(values);
    if (palette?.size === 1) return Buffer.concat([header, Buffer.of(FILL), tightPixel(values[0]!, format)]);
    if (palette) {
      const mono = palette.size === 2;
      const stream = mono ? Stream.Mono : Stream.Indexed;
      return Buffer.concat([
        header,
        Buffer.of(EXPLICIT_FILTER | (stream << 4) | this.resetBit(stream), PALETTE_FILTER, palette.size - 1),
        ...[...palette.keys()].map((colour) => tightPixel(colour, format)),
        await this.compressed(stream, mono ? monoBitmap(values, tile.width, palette) : indexBytes(values, palette)),
      ]);
    }
    const data = isPacked24(format) ? pack24(values, format) : pixels;
    return Buffer.concat([
      header,
      Buffer.of((Stream.FullColour << 4) | this.resetBit(Stream.FullColour)),
      await this.compressed(Stream.FullColour, data),
    ]);
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
function collectPalette(values: Uint32Array): Map<number, number> | null {
  const palette = new Map<number, number>();
  let last = -1;
  for (const value of values) {
    if (value === last) continue;
    last = value;
    if (!palette.has(value)) {
      if (palette.size === 256) return null;
      palette.set(value, palette.size);
    }
  }
  return palette;
}

/** One bit per pixel, set for palette entry 1, most significant first, each row padded to a byte. */
function monoBitmap(values: Uint32Array, width: number, palette: Map<number, number>): Buffer {
  const [, second] = [...palette.keys()];
  const rowBytes = (width + 7) >> 3;
  const height = values.length / width;
  const out = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x] === second) out[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

function indexBytes(values: Uint32Array, palette: Map<number, number>): Buffer {
  const out = Buffer.allocUnsafe(values.length);
  let last = -1;
  let index = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== last) {
      last = values[i]!;
      index = palette.get(last)!;
    }
    out[i] = index;
  }
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

function pack24(values: Uint32Array, format: PixelFormat): Buffer {
  const out = Buffer.allocUnsafe(values.length * 3);
  for (let i = 0; i < values.length; i++) writePacked24(values[i]!, format, out, i * 3);
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
