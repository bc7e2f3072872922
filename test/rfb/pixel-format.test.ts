import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NATIVE_FORMAT,
  type PixelFormat,
  readPixelFormat,
  translateRect,
  unsupportedReason,
  writePixelFormat,
} from '../../src/rfb/pixel-format.js';
import { FakeScreen, RGB565_BE } from './fake-screen.js';

const screen = new FakeScreen(3, 1);
screen.fill({ x: 0, y: 0, width: 1, height: 1 }, [255, 0, 0]);
screen.fill({ x: 1, y: 0, width: 1, height: 1 }, [10, 128, 255]);
screen.fill({ x: 2, y: 0, width: 1, height: 1 }, [255, 255, 255]);
const all = { x: 0, y: 0, width: 3, height: 1 };

test("noVNC's format (32 bpp, little-endian, R shift 0) is the source's own bytes", () => {
  const novnc: PixelFormat = { ...NATIVE_FORMAT };
  assert.deepEqual([...translateRect(screen, all, novnc)], [255, 0, 0, 0, 10, 128, 255, 0, 255, 255, 255, 0]);
});

test('16 bpp big-endian RGB565', () => {
  // 10*31/255 -> 1, 128*63/255 -> 32, 255 -> 31: 0b00001_100000_11111 = 0x0C1F
  assert.deepEqual(translateRect(screen, all, RGB565_BE).toString('hex'), 'f8000c1fffff');
});

test('32 bpp big-endian with red at shift 16', () => {
  const format = { ...NATIVE_FORMAT, bigEndian: true, redShift: 16, greenShift: 8, blueShift: 0 };
  assert.deepEqual(translateRect(screen, all, format).toString('hex'), '00ff0000000a80ff00ffffff');
});

test('8 bpp BGR233', () => {
  const format: PixelFormat = {
    bitsPerPixel: 8,
    depth: 8,
    bigEndian: false,
    trueColour: true,
    redMax: 7,
    greenMax: 7,
    blueMax: 3,
    redShift: 0,
    greenShift: 3,
    blueShift: 6,
  };
  // pixel 1: r 10*7/255 -> 0, g 128*7/255 -> 4 (<<3 = 32), b 3 (<<6 = 192)
  assert.deepEqual([...translateRect(screen, all, format)], [7, 224, 255]);
});

test('a sub-rectangle is cut from the right place', () => {
  assert.deepEqual([...translateRect(screen, { x: 1, y: 0, width: 1, height: 1 }, NATIVE_FORMAT)], [10, 128, 255, 0]);
});

test('pixel formats round-trip through their wire form; colour maps are refused', () => {
  assert.deepEqual(readPixelFormat(writePixelFormat(RGB565_BE), 0), RGB565_BE);
  assert.equal(unsupportedReason(RGB565_BE), null);
  assert.notEqual(unsupportedReason({ ...RGB565_BE, trueColour: false }), null);
  assert.notEqual(unsupportedReason({ ...RGB565_BE, bitsPerPixel: 24 }), null);
});
