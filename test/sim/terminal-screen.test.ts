import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rect } from '../../src/rfb/framebuffer.js';
import { COLS, ROWS, TerminalScreen } from '../../src/compute/sim/terminal-screen.js';
import { cellShows, litPixels } from './helpers.js';

const LIGHT_GREY = 0xaaaaaa;
const BLACK = 0x000000;

function recordDamage(screen: TerminalScreen): Rect[][] {
  const batches: Rect[][] = [];
  screen.onDamage((rects) => batches.push(rects));
  return batches;
}

test('a 640x400 RGBX framebuffer of 80x25 cells, starting black with the cursor', () => {
  const screen = new TerminalScreen();
  assert.equal(screen.width, COLS * 8);
  assert.equal(screen.height, ROWS * 16);
  assert.equal(screen.pixels.length, 640 * 400 * 4);
  // Only the underline cursor at (0,0): 2 scan lines of 8 pixels.
  assert.equal(litPixels(screen), 16);
  screen.dispose();
});

test('written text is in the buffer and drawn with the font, light grey on black', async () => {
  const screen = new TerminalScreen();
  screen.write('Hello\nworld');
  await screen.settled();
  assert.deepEqual(screen.text().split('\n').slice(0, 2), ['Hello', 'world']);
  assert.ok(cellShows(screen, 0, 0, 'H', LIGHT_GREY, BLACK));
  assert.ok(cellShows(screen, 0, 4, 'o', LIGHT_GREY, BLACK));
  assert.ok(cellShows(screen, 1, 0, 'w', LIGHT_GREY, BLACK));
  assert.ok(!cellShows(screen, 1, 0, 'x', LIGHT_GREY, BLACK), 'a different glyph does not match');
  screen.dispose();
});

test('SGR colours use the VGA palette; bold brightens', async () => {
  const screen = new TerminalScreen();
  screen.write('\x1b[31mR\x1b[1mB\x1b[0;30;47mI\x1b[0m');
  await screen.settled();
  assert.ok(cellShows(screen, 0, 0, 'R', 0xaa0000, BLACK));
  assert.ok(cellShows(screen, 0, 1, 'B', 0xff5555, BLACK));
  assert.ok(cellShows(screen, 0, 2, 'I', BLACK, LIGHT_GREY));
  screen.dispose();
});

test('the cursor is an underline that follows the output and can be hidden', async () => {
  const screen = new TerminalScreen();
  const cursorLit = (col: number) => {
    const offset = ((0 * 16 + 15) * screen.width + col * 8) * 4;
    return screen.pixels[offset] === 0xaa;
  };
  screen.write('ab');
  await screen.settled();
  assert.ok(cursorLit(2));
  assert.ok(!cursorLit(0) && !cursorLit(1), 'old cursor cells were redrawn');
  screen.write('\x1b[?25l');
  await screen.settled();
  assert.ok(!cursorLit(2));
  screen.write('\x1b[?25h');
  await screen.settled();
  assert.ok(cursorLit(2));
  screen.dispose();
});

test('damage covers only the changed cells; consecutive rows coalesce', async () => {
  const screen = new TerminalScreen();
  screen.write('prompt$ ');
  await screen.settled();
  const damage = recordDamage(screen);

  screen.write('x');
  await screen.settled();
  // The typed cell and the cursor moving into the next one.
  assert.deepEqual(damage, [[{ x: 64, y: 0, width: 16, height: 16 }]]);

  damage.length = 0;
  screen.write('\x1b[5;1Hone\ntwo\x1b[20;1Hfar');
  await screen.settled();
  assert.equal(damage.length, 1, 'one burst of writes, one report');
  assert.deepEqual(damage[0], [
    { x: 72, y: 0, width: 8, height: 16 }, // the cursor left row 0
    { x: 0, y: 64, width: 24, height: 32 }, // rows 4 and 5, coalesced
    { x: 0, y: 304, width: 32, height: 16 }, // row 19: 'far' and the cursor
  ]);

  damage.length = 0;
  screen.write('');
  await screen.settled();
  assert.deepEqual(damage, [], 'nothing changed, nothing reported');
  screen.dispose();
});

test('settled() resolves at once when nothing is pending', async () => {
  const screen = new TerminalScreen();
  await screen.settled();
  screen.dispose();
});
