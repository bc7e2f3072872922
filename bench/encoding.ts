/**
 * RFB encoding: bytes on the wire for one full screen of console text (the simulated guest's
 * 80x25 TerminalScreen filled with text) in Tight and Zlib against Raw, each from a fresh encoder
 * (a new connection's first full update: no zlib history to lean on), plus the encoding time.
 */
import { TerminalScreen } from '../src/compute/sim/terminal-screen.js';
import type { Rect } from '../src/rfb/framebuffer.js';
import type { RectEncoder } from '../src/rfb/encoders/encoder.js';
import { RawEncoder } from '../src/rfb/encoders/raw.js';
import { TightEncoder } from '../src/rfb/encoders/tight.js';
import { ZlibEncoder } from '../src/rfb/encoders/zlib.js';
import { DEFAULT_FORMAT, translateRect } from '../src/rfb/pixel-format.js';
import { type BenchContext, median, ratioMetric } from './lib/report.js';

/** Deterministic console text: a shell session's worth of listings and log lines, every row used. */
function consoleText(rows: number): string {
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const words = [
    'root',
    'systemd',
    'kernel',
    'eth0',
    'link',
    'up',
    'ssh',
    'Accepted',
    'session',
    'opened',
    'drwxr-xr-x',
    '-rw-r--r--',
    'var',
    'log',
    'etc',
    'nginx.conf',
    'cloud-init',
    'DHCPACK',
    'from',
    '172.16.0.1',
  ];
  const lines: string[] = [];
  for (let row = 0; row < rows; row++) {
    let line =
      row % 3 === 0
        ? `[${(random(99999) / 100).toFixed(2).padStart(8)}] `
        : `${random(24)}:${String(random(60)).padStart(2, '0')} `;
    while (line.length < 70 + random(10)) line += `${words[random(words.length)]} `;
    lines.push(line.slice(0, 79));
  }
  return lines.join('\r\n');
}

async function encodedBytes(encoder: RectEncoder, rect: Rect, pixels: Buffer): Promise<number> {
  const rects = await encoder.encode(rect, pixels, DEFAULT_FORMAT);
  // FramebufferUpdate header (4 bytes) plus each rectangle (its 12-byte header included).
  return 4 + rects.reduce((n, r) => n + r.length, 0);
}

export async function encodingBench(ctx: BenchContext): Promise<void> {
  const screen = new TerminalScreen();
  screen.write(consoleText(25));
  await screen.settled();
  if (
    screen
      .text()
      .split('\n')
      .filter((line) => line.trim()).length !== 25
  )
    throw new Error('encoding: the screen is not full of text');
  const rect = { x: 0, y: 0, width: screen.width, height: screen.height };
  // QEMU's format (what ServerInit announces): a real translation, as most viewers keep it.
  const pixels = translateRect(screen, rect, DEFAULT_FORMAT);
  const encoders = { Raw: () => new RawEncoder(), Zlib: () => new ZlibEncoder(), Tight: () => new TightEncoder() };
  const sizes: Record<string, number> = {};
  const times: Record<string, number> = {};
  const repeats = ctx.quick ? 5 : 20;
  for (const [name, make] of Object.entries(encoders)) {
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const encoder = make();
      const started = performance.now();
      sizes[name] = await encodedBytes(encoder, rect, pixels);
      ms.push(performance.now() - started);
      encoder.close();
    }
    times[name] = median(ms);
  }
  screen.dispose();
  const raw = sizes.Raw!;
  const note = `${screen.width}x${screen.height} console (80x25 cells of text, 8x16 glyphs), 32 bpp; first update of a fresh encoder; encode time p50: Raw ${times.Raw!.toFixed(2)} ms, Zlib ${times.Zlib!.toFixed(2)} ms, Tight ${times.Tight!.toFixed(2)} ms`;
  ctx.record(
    ratioMetric(
      {
        bench: 'encoding',
        name: 'full screen of console text, Tight',
        value: sizes.Tight! / 1024,
        unit: 'KiB',
        baseline: { name: 'Raw', value: raw / 1024 },
        note,
      },
      sizes.Tight! / raw,
      '<=',
      0.05,
    ),
  );
  ctx.record({
    bench: 'encoding',
    name: 'full screen of console text, Zlib',
    value: sizes.Zlib! / 1024,
    unit: 'KiB',
    baseline: { name: 'Raw', value: raw / 1024 },
    ratio: sizes.Zlib! / raw,
  });
}
