/**
 * The console font: 8x16 VGA glyphs looked up by Unicode code point, decoded once from the
 * generated data beside this file.
 */
import { GLYPHS_BASE64, UNICODE_MAP_BASE64 } from './vga16-data.js';

export const GLYPH_WIDTH = 8;
export const GLYPH_HEIGHT = 16;

const glyphs = Buffer.from(GLYPHS_BASE64, 'base64');
const glyphIndex = new Map<number, number>();
const map = Buffer.from(UNICODE_MAP_BASE64, 'base64');
for (let i = 0; i + 4 <= map.length; i += 4) {
  glyphIndex.set(map.readUInt16LE(i), map.readUInt16LE(i + 2));
}
// What Linux draws for a character its font lacks: the replacement character when the font has
// one, else a question mark.
const fallback = glyphIndex.get(0xfffd) ?? glyphIndex.get(0x3f) ?? 0;

/** The 16 row bytes (most significant bit = leftmost pixel) that draw code point `codepoint`. */
export function glyph(codepoint: number): Uint8Array {
  const index = glyphIndex.get(codepoint) ?? fallback;
  return glyphs.subarray(index * GLYPH_HEIGHT, (index + 1) * GLYPH_HEIGHT);
}
