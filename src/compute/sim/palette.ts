/**
 * Colours as 0xRRGGBB: the 16 of a VGA text console (what a Linux VT shows), extended to the
 * xterm 256-colour palette so programs that use 38;5;n still get sensible colours.
 */
const VGA16 = [
  0x000000, 0xaa0000, 0x00aa00, 0xaa5500, 0x0000aa, 0xaa00aa, 0x00aaaa, 0xaaaaaa, 0x555555, 0xff5555, 0x55ff55,
  0xffff55, 0x5555ff, 0xff55ff, 0x55ffff, 0xffffff,
];

const CUBE_LEVELS = [0x00, 0x5f, 0x87, 0xaf, 0xd7, 0xff];

function xterm256(index: number): number {
  if (index < 232) {
    const n = index - 16;
    const r = CUBE_LEVELS[Math.floor(n / 36)] ?? 0;
    const g = CUBE_LEVELS[Math.floor(n / 6) % 6] ?? 0;
    const b = CUBE_LEVELS[n % 6] ?? 0;
    return (r << 16) | (g << 8) | b;
  }
  const level = 8 + (index - 232) * 10;
  return (level << 16) | (level << 8) | level;
}

export const PALETTE: readonly number[] = Array.from({ length: 256 }, (_, i) => VGA16[i] ?? xterm256(i));

/** Light grey on black, as a PC console starts. */
export const DEFAULT_FG = 7;
export const DEFAULT_BG = 0;
