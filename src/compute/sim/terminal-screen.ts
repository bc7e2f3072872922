/**
 * A text console as a framebuffer: an xterm.js headless terminal (80x25) whose cells are drawn
 * with the 8x16 VGA font, so the RFB server can show a simulated guest like a PC's text mode.
 * Only cells whose look changed are redrawn and reported as damage, so a keystroke costs one
 * cell, not a frame.
 */
import xtermHeadless from '@xterm/headless';
import type { IBufferCell } from '@xterm/headless';
import type { FramebufferSource, Rect } from '../../rfb/framebuffer.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from './font/font.js';
import { DEFAULT_BG, DEFAULT_FG, PALETTE } from './palette.js';

// The package is CommonJS: Node's ESM loader exposes it only as a default export.
const { Terminal } = xtermHeadless;

export const COLS = 80;
export const ROWS = 25;

const SPACE = 0x20;
const FLAG_UNDERLINE = 1;
const FLAG_CURSOR = 2;
// VGA's default cursor: an underline over the glyph's two bottom scan lines.
const CURSOR_FIRST_LINE = GLYPH_HEIGHT - 2;

export class TerminalScreen implements FramebufferSource {
  readonly width = COLS * GLYPH_WIDTH;
  readonly height = ROWS * GLYPH_HEIGHT;
  readonly pixels = Buffer.alloc(COLS * GLYPH_WIDTH * ROWS * GLYPH_HEIGHT * 4);

  private readonly terminal = new Terminal({
    cols: COLS,
    rows: ROWS,
    scrollback: 0,
    // The guest writes '\n' like a program on a tty with onlcr set.
    convertEol: true,
    // Needed for the parser hooks that track cursor visibility.
    allowProposedApi: true,
  });
  private readonly listeners = new Set<(rects: Rect[]) => void>();
  // What each cell currently shows. The zeroed framebuffer is a blank console, so start from
  // that and let the first refresh draw only what differs (the cursor).
  private readonly shownCode = new Int32Array(COLS * ROWS).fill(SPACE);
  private readonly shownFg = new Int32Array(COLS * ROWS).fill(PALETTE[DEFAULT_FG] ?? 0);
  private readonly shownBg = new Int32Array(COLS * ROWS).fill(PALETTE[DEFAULT_BG] ?? 0);
  private readonly shownFlags = new Uint8Array(COLS * ROWS);
  // Reused for every cell read, as xterm.js recommends, to avoid an allocation per cell.
  private readonly cell: IBufferCell = this.terminal.buffer.active.getNullCell();
  private cursorHidden = false;
  // Writes handed to xterm but not yet parsed; the screen is redrawn when this drops to zero, so
  // a burst of writes costs one diff.
  private pendingWrites = 0;
  private waiters: Array<() => void> = [];

  constructor() {
    // xterm.js keeps DECTCEM private; watch the sequences (returning false lets xterm handle them).
    const watchCursorMode = (final: 'h' | 'l') =>
      this.terminal.parser.registerCsiHandler({ prefix: '?', final }, (params) => {
        if (params.includes(25)) this.cursorHidden = final === 'l';
        return false;
      });
    watchCursorMode('h');
    watchCursorMode('l');
    this.refresh();
  }

  onDamage(listener: (rects: Rect[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Queues output for the terminal; it reaches the pixels once xterm has parsed it. */
  write(data: string): void {
    this.pendingWrites++;
    this.terminal.write(data, () => {
      if (--this.pendingWrites > 0) return;
      this.refresh();
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  /** Resolves once everything written so far is parsed, drawn and reported as damage. */
  settled(): Promise<void> {
    if (this.pendingWrites === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The visible text, one line per row with trailing blanks trimmed. */
  text(): string {
    const buffer = this.terminal.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < ROWS; row++) {
      lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
    }
    return lines.join('\n');
  }

  dispose(): void {
    this.listeners.clear();
    this.terminal.dispose();
  }

  /** Redraws the cells that changed since the last refresh and reports them, rows coalesced. */
  private refresh(): void {
    const buffer = this.terminal.buffer.active;
    const cursorRow = this.cursorHidden ? -1 : buffer.cursorY;
    // After writing the last column xterm parks the cursor one past it until the next character.
    const cursorCol = Math.min(buffer.cursorX, COLS - 1);
    const rects: Rect[] = [];
    let last: Rect | undefined;
    for (let row = 0; row < ROWS; row++) {
      const line = buffer.getLine(buffer.viewportY + row);
      let first = -1;
      let end = -1;
      for (let col = 0; col < COLS; col++) {
        const cell = line?.getCell(col, this.cell);
        const cursor = row === cursorRow && col === cursorCol;
        if (this.update(row * COLS + col, cell, cursor)) {
          this.draw(row, col);
          if (first < 0) first = col;
          end = col + 1;
        }
      }
      if (first < 0) continue;
      const x = first * GLYPH_WIDTH;
      const right = end * GLYPH_WIDTH;
      const y = row * GLYPH_HEIGHT;
      if (last && last.y + last.height === y) {
        const lastRight = last.x + last.width;
        last.x = Math.min(last.x, x);
        last.width = Math.max(lastRight, right) - last.x;
        last.height += GLYPH_HEIGHT;
      } else {
        last = { x, y, width: right - x, height: GLYPH_HEIGHT };
        rects.push(last);
      }
    }
    if (rects.length === 0) return;
    for (const listener of this.listeners) listener(rects);
  }

  /** Records how cell `index` should look now; true when that differs from what is drawn. */
  private update(index: number, cell: IBufferCell | undefined, cursor: boolean): boolean {
    let code = SPACE;
    let fg = DEFAULT_FG;
    let bg = DEFAULT_BG;
    let flags = cursor ? FLAG_CURSOR : 0;
    if (cell) {
      code = cell.getCode() || SPACE;
      if (cell.isFgRGB()) fg = -1 - cell.getFgColor();
      else if (cell.isFgPalette()) fg = cell.getFgColor();
      // A Linux VT shows bold as the bright variant of the first eight colours.
      if (cell.isBold() && fg >= 0 && fg < 8) fg += 8;
      if (cell.isBgRGB()) bg = -1 - cell.getBgColor();
      else if (cell.isBgPalette()) bg = cell.getBgColor();
      if (cell.isInverse()) [fg, bg] = [bg, fg];
      if (cell.isInvisible()) fg = bg;
      if (cell.isUnderline()) flags |= FLAG_UNDERLINE;
    }
    const fgRgb = fg < 0 ? -1 - fg : (PALETTE[fg] ?? 0);
    const bgRgb = bg < 0 ? -1 - bg : (PALETTE[bg] ?? 0);
    if (
      this.shownCode[index] === code &&
      this.shownFg[index] === fgRgb &&
      this.shownBg[index] === bgRgb &&
      this.shownFlags[index] === flags
    ) {
      return false;
    }
    this.shownCode[index] = code;
    this.shownFg[index] = fgRgb;
    this.shownBg[index] = bgRgb;
    this.shownFlags[index] = flags;
    return true;
  }

  private draw(row: number, col: number): void {
    const index = row * COLS + col;
    const bitmap = glyph(this.shownCode[index] ?? SPACE);
    const fg = this.shownFg[index] ?? 0;
    const bg = this.shownBg[index] ?? 0;
    const flags = this.shownFlags[index] ?? 0;
    for (let line = 0; line < GLYPH_HEIGHT; line++) {
      let bits = bitmap[line] ?? 0;
      if (flags & FLAG_UNDERLINE && line === GLYPH_HEIGHT - 1) bits = 0xff;
      if (flags & FLAG_CURSOR && line >= CURSOR_FIRST_LINE) bits = 0xff;
      let offset = ((row * GLYPH_HEIGHT + line) * this.width + col * GLYPH_WIDTH) * 4;
      for (let bit = 0x80; bit !== 0; bit >>= 1) {
        const rgb = bits & bit ? fg : bg;
        this.pixels[offset] = rgb >> 16;
        this.pixels[offset + 1] = (rgb >> 8) & 0xff;
        this.pixels[offset + 2] = rgb & 0xff;
        this.pixels[offset + 3] = 0;
        offset += 4;
      }
    }
  }
}
