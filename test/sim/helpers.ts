// Shared fixtures for the simulated guest tests: specs, typing keysyms, reading the screen.
import { encrypt } from 'unixcrypt';
import type { GuestSpec } from '../../src/core/compute.js';
import type { Guest } from '../../src/compute/sim/guest.js';
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from '../../src/compute/sim/font/font.js';
import type { TerminalScreen } from '../../src/compute/sim/terminal-screen.js';

export const PASSWORD = 'Secret123!';
export const PASSWORD_HASH = encrypt(PASSWORD);

export const XK_RETURN = 0xff0d;
export const XK_BACKSPACE = 0xff08;
export const XK_CONTROL_L = 0xffe3;
export const XK_ALT_L = 0xffe9;
export const XK_DELETE = 0xffff;

export function linuxSpec(overrides: Partial<GuestSpec> = {}): GuestSpec {
  return {
    instanceId: 'i-sim0001',
    osType: 'linux',
    hostName: 'web-01',
    adminPasswordHash: PASSWORD_HASH,
    vncPassword: null,
    userData: null,
    firstBoot: true,
    mtu: 8500,
    vcpus: 4,
    memoryMiB: 8192,
    imageName: 'debian_12_x64',
    ...overrides,
  };
}

/** Presses and releases one key. */
export function press(guest: Pick<Guest, 'keyEvent'>, keysym: number): void {
  guest.keyEvent(true, keysym);
  guest.keyEvent(false, keysym);
}

/** Types text as a viewer would send it: one keysym per character, '\n' as Return. */
export function type(guest: Pick<Guest, 'keyEvent'>, text: string): void {
  for (const char of text) press(guest, char === '\n' ? XK_RETURN : (char.codePointAt(0) ?? 0));
}

/** Types text into the guest and returns the screen once the output is drawn. */
export async function typeAndSettle(guest: Guest, text: string): Promise<string> {
  type(guest, text);
  await guest.screen.settled();
  return guest.screen.text();
}

/** A booted guest (boot time 0), waiting at its login prompt. */
export async function booted<T extends Guest>(guest: T): Promise<T> {
  guest.start();
  await guest.ready;
  return guest;
}

/** Logs in as root with the right password; returns the screen. */
export function login(guest: Guest): Promise<string> {
  return typeAndSettle(guest, `root\n${PASSWORD}\n`);
}

/** The text typed after the last prompt's output: lines after the last `marker` line. */
export function after(screen: string, marker: string): string {
  const index = screen.lastIndexOf(marker);
  return index < 0 ? '' : screen.slice(index + marker.length);
}

/** True when cell (row, col) of the framebuffer shows `char` drawn in `fg` on `bg` (0xRRGGBB). */
export function cellShows(
  screen: TerminalScreen,
  row: number,
  col: number,
  char: string,
  fg: number,
  bg: number,
): boolean {
  const bitmap = glyph(char.codePointAt(0) ?? 0);
  for (let line = 0; line < GLYPH_HEIGHT; line++) {
    for (let x = 0; x < GLYPH_WIDTH; x++) {
      const on = ((bitmap[line] ?? 0) >> (7 - x)) & 1;
      const rgb = on ? fg : bg;
      const offset = ((row * GLYPH_HEIGHT + line) * screen.width + col * GLYPH_WIDTH + x) * 4;
      const pixel = screen.pixels;
      if (
        pixel[offset] !== rgb >> 16 ||
        pixel[offset + 1] !== ((rgb >> 8) & 0xff) ||
        pixel[offset + 2] !== (rgb & 0xff)
      ) {
        return false;
      }
    }
  }
  return true;
}

/** How many pixels of the framebuffer are not black. */
export function litPixels(screen: TerminalScreen): number {
  let count = 0;
  for (let i = 0; i < screen.pixels.length; i += 4) {
    if (screen.pixels[i] || screen.pixels[i + 1] || screen.pixels[i + 2]) count++;
  }
  return count;
}
