import type { FramebufferSource, Rect } from '../../src/rfb/framebuffer.js';
import type { PixelFormat } from '../../src/rfb/pixel-format.js';

export type Rgb = readonly [number, number, number];

/** 16-bit RGB 5-6-5, big-endian: a client format unlike the native one in size, order and depth. */
export const RGB565_BE: PixelFormat = {
  bitsPerPixel: 16,
  depth: 16,
  bigEndian: true,
  trueColour: true,
  redMax: 31,
  greenMax: 63,
  blueMax: 31,
  redShift: 11,
  greenShift: 5,
  blueShift: 0,
};

/** A framebuffer test double: solid rectangles and synthetic console text, reporting damage. */
export class FakeScreen implements FramebufferSource {
  pixels: Buffer;
  private listeners = new Set<(rects: Rect[]) => void>();

  constructor(
    public width: number,
    public height: number,
    background: Rgb = [0, 0, 0],
  ) {
    this.pixels = Buffer.alloc(width * height * 4);
    this.fill({ x: 0, y: 0, width, height }, background, false);
  }

  onDamage(listener: (rects: Rect[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  damage(rects: Rect[]): void {
    for (const listener of this.listeners) listener(rects);
  }

  fill(rect: Rect, [r, g, b]: Rgb, report = true): void {
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) {
        const at = (y * this.width + x) * 4;
        this.pixels[at] = r;
        this.pixels[at + 1] = g;
        this.pixels[at + 2] = b;
        this.pixels[at + 3] = 0;
      }
    }
    if (report) this.damage([rect]);
  }

  pixel(x: number, y: number): Rgb {
    const at = (y * this.width + x) * 4;
    return [this.pixels[at]!, this.pixels[at + 1]!, this.pixels[at + 2]!];
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.pixels = Buffer.alloc(width * height * 4);
    this.damage([{ x: 0, y: 0, width, height }]);
  }

  /** Draws lines of text in 8x16 cells with a made-up but glyph-like font, like a text console. */
  text(lines: string[], fg: Rgb, bg: Rgb): void {
    this.fill({ x: 0, y: 0, width: this.width, height: this.height }, bg, false);
    lines.forEach((line, row) => {
      [...line].forEach((ch, col) => {
        const glyph = glyphFor(ch.charCodeAt(0));
        for (let gy = 0; gy < 16; gy++) {
          for (let gx = 0; gx < 8; gx++) {
            if ((glyph[gy]! >> (7 - gx)) & 1)
              this.fill({ x: col * 8 + gx, y: row * 16 + gy, width: 1, height: 1 }, fg, false);
          }
        }
      });
    });
    this.damage([{ x: 0, y: 0, width: this.width, height: this.height }]);
  }
}

const glyphs = new Map<number, number[]>();

/**
 * A deterministic stand-in for a VGA font: rows 3-12 hold a few stroke patterns repeated in runs,
 * the last column and the outer rows stay blank, as in real 8x16 console glyphs.
 */
function glyphFor(code: number): number[] {
  if (code === 32) return new Array<number>(16).fill(0);
  let glyph = glyphs.get(code);
  if (!glyph) {
    let seed = code * 2654435761;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed >>> 16;
    };
    const strokes = [0, 1, 2].map(() => random() & 0x7e);
    glyph = new Array<number>(16).fill(0);
    for (let y = 3; y <= 12; y++) glyph[y] = strokes[Math.floor(((y - 3) * strokes.length) / 10)]!;
    glyphs.set(code, glyph);
  }
  return glyph;
}

/** 25 lines of boot-log-like text, 80 columns at most. */
export function consoleLines(): string[] {
  const words = [
    'usb',
    'kernel:',
    'eth0:',
    'link',
    'up',
    'systemd[1]:',
    'Started',
    'Mounted',
    '/dev/vda1',
    'ok',
    '[',
    ']',
    'virtio',
    'Reached',
    'target',
    'network',
    '0x3f8',
    'irq',
    'Freeing',
    'memory:',
    '2048K',
  ];
  const lines: string[] = [];
  let n = 7;
  for (let row = 0; row < 25; row++) {
    let line = `[    ${(row * 0.137).toFixed(6)}] `;
    while (line.length < 72) {
      n = (n * 31 + 17) % 997;
      line += words[n % words.length] + ' ';
    }
    lines.push(line.slice(0, 80));
  }
  return lines;
}
