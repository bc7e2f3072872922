import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCopyRect } from '../../src/rfb/encoders/copyrect.js';
import { clientCapabilities } from '../../src/rfb/encodings.js';
import type { Rect } from '../../src/rfb/framebuffer.js';
import { NATIVE_FORMAT, type PixelFormat } from '../../src/rfb/pixel-format.js';
import { FakeScreen, RGB565_BE, consoleLines } from './fake-screen.js';
import { type TestClient, openSession } from './rfb-client.js';

const BGRX_BE: PixelFormat = { ...NATIVE_FORMAT, bigEndian: true, redShift: 8, greenShift: 16, blueShift: 24 };

function assertSame(client: TestClient, screen: FakeScreen): void {
  assert.ok(client.shows(screen), 'client framebuffer differs from the screen');
}

/** Pixels with every colour different, so no palette fits. */
function gradient(screen: FakeScreen, rect: Rect): void {
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      screen.fill({ x, y, width: 1, height: 1 }, [x & 255, y & 255, (x * y) & 255], false);
    }
  }
  screen.damage([rect]);
}

test('CopyRect is a header plus the source position', () => {
  const bytes = encodeCopyRect({ x: 1, y: 2, width: 3, height: 4 }, 5, 6);
  assert.equal(bytes.toString('hex'), '0001' + '0002' + '0003' + '0004' + '00000001' + '0005' + '0006');
});

test("the client's most preferred supported encoding wins, in the client's order", () => {
  assert.equal(clientCapabilities([16, 6, 7, 0]).encoding, 6);
  assert.equal(clientCapabilities([1, 7, 6, 0, -223]).encoding, 7);
  assert.equal(clientCapabilities([5, 16]).encoding, 0);
  assert.deepEqual(clientCapabilities([1, -223]), { encoding: 0, copyRect: true, desktopSize: true });
});

test('Zlib: one persistent stream decodes across several updates', async (t) => {
  const screen = new FakeScreen(160, 96, [0, 0, 170]);
  const { client } = await openSession(t, screen);
  client.setEncodings([6, 0]);
  screen.text(
    consoleLines().map((l) => l.slice(0, 20)),
    [170, 170, 170],
    [0, 0, 170],
  );
  client.requestUpdate(false);
  assert.ok((await client.readUpdate()).every((r) => r.encoding === 6));
  assertSame(client, screen);
  for (let i = 0; i < 5; i++) {
    screen.fill({ x: i * 13, y: i * 9, width: 20, height: 11 }, [i * 50, 255 - i * 40, 7]);
    gradient(screen, { x: 100, y: i * 10, width: 30, height: 8 });
    client.requestUpdate(true);
    const rects = await client.readUpdate();
    assert.ok(rects.length > 0 && rects.every((r) => r.encoding === 6));
    assertSame(client, screen);
  }
});

for (const [label, format] of [
  ['noVNC 32 bpp', NATIVE_FORMAT],
  ['16 bpp big-endian', RGB565_BE],
  ['32 bpp big-endian, other shifts', BGRX_BE],
] as const) {
  test(`Tight (${label}): fill, two-colour, palette and full-colour tiles decode`, async (t) => {
    const screen = new FakeScreen(200, 100, [0, 0, 0]);
    const { client } = await openSession(t, screen);
    client.setPixelFormat(format);
    client.setEncodings([7, 0]);
    client.requestUpdate(false);
    await client.readUpdate();
    assertSame(client, screen);

    screen.text(
      consoleLines()
        .map((l) => l.slice(0, 25))
        .slice(0, 3),
      [255, 255, 255],
      [0, 0, 0],
    );
    client.requestUpdate(true);
    await client.readUpdate();
    assertSame(client, screen);

    screen.fill({ x: 10, y: 60, width: 30, height: 30 }, [255, 0, 0], false);
    screen.fill({ x: 40, y: 60, width: 30, height: 30 }, [0, 255, 0], false);
    screen.fill({ x: 70, y: 60, width: 30, height: 30 }, [0, 0, 255], false);
    screen.damage([{ x: 10, y: 60, width: 90, height: 30 }]);
    gradient(screen, { x: 120, y: 50, width: 70, height: 45 });
    client.requestUpdate(true);
    await client.readUpdate();
    assertSame(client, screen);

    // Tiny rectangles: data under 12 bytes travels uncompressed.
    screen.fill({ x: 0, y: 0, width: 1, height: 1 }, [1, 2, 3]);
    gradient(screen, { x: 190, y: 0, width: 2, height: 1 });
    client.requestUpdate(true);
    await client.readUpdate();
    assertSame(client, screen);
    assert.deepEqual([...client.tightForms].sort(), ['fill', 'full-colour', 'mono', 'palette']);
  });
}

test('a full screen of console text costs at most 5% of Raw', async (t) => {
  const screen = new FakeScreen(640, 400);
  screen.text(consoleLines(), [170, 170, 170], [0, 0, 0]);
  const raw = 4 + 12 + 640 * 400 * 4;
  const { client } = await openSession(t, screen);
  for (const encoding of [7, 6]) {
    client.setEncodings([encoding]);
    client.requestUpdate(false);
    const bytes = 4 + (await client.readUpdate()).reduce((sum, r) => sum + r.bytes, 0);
    assertSame(client, screen);
    const ratio = bytes / raw;
    t.diagnostic(`encoding ${encoding}: ${bytes} bytes, ${(ratio * 100).toFixed(2)}% of Raw (${raw})`);
    if (encoding === 7) assert.ok(ratio <= 0.05, `Tight took ${(ratio * 100).toFixed(2)}% of Raw`);
  }
});
