import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Rect } from '../../src/rfb/framebuffer.js';
import { NATIVE_FORMAT, type PixelFormat } from '../../src/rfb/pixel-format.js';
import { FakeScreen, RGB565_BE } from './fake-screen.js';
import { openSession } from './rfb-client.js';

function full(screen: FakeScreen): Rect {
  return { x: 0, y: 0, width: screen.width, height: screen.height };
}

test('a non-incremental request gets the whole requested area in Raw', async (t) => {
  const screen = new FakeScreen(40, 30, [0, 0, 255]);
  screen.fill({ x: 5, y: 5, width: 10, height: 10 }, [200, 100, 50]);
  const { client } = await openSession(t, screen);
  client.requestUpdate(false);
  const rects = await client.readUpdate();
  assert.deepEqual(
    rects.map((r) => [r.rect, r.encoding]),
    [[full(screen), 0]],
  );
  assert.ok(client.shows(screen));
  client.requestUpdate(false, { x: 3, y: 4, width: 5, height: 6 });
  assert.deepEqual(
    (await client.readUpdate()).map((r) => r.rect),
    [{ x: 3, y: 4, width: 5, height: 6 }],
  );
});

test('an incremental request is held until damage, then gets only the damaged rectangle', async (t) => {
  const screen = new FakeScreen(40, 30);
  const { client } = await openSession(t, screen);
  client.requestUpdate(false);
  await client.readUpdate();
  client.requestUpdate(true);
  await sleep(50);
  assert.equal(client.reader.available, 0, 'nothing changed, so nothing is sent');
  screen.fill({ x: 7, y: 3, width: 4, height: 2 }, [1, 2, 3]);
  const rects = await client.readUpdate();
  assert.deepEqual(
    rects.map((r) => r.rect),
    [{ x: 7, y: 3, width: 4, height: 2 }],
  );
  assert.ok(client.shows(screen));
});

test('damage while no request is pending is coalesced into the next update', async (t) => {
  const screen = new FakeScreen(64, 64);
  const { client } = await openSession(t, screen);
  client.requestUpdate(false);
  await client.readUpdate();
  for (let x = 0; x < 64; x += 8) screen.fill({ x, y: 16, width: 8, height: 16 }, [x * 3, 255, 0]);
  client.requestUpdate(true);
  const rects = await client.readUpdate();
  assert.deepEqual(
    rects.map((r) => r.rect),
    [{ x: 0, y: 16, width: 64, height: 16 }],
  );
  assert.ok(client.shows(screen));
});

test("SetPixelFormat is honoured: the default, noVNC's and 16 bpp big-endian on the wire", async (t) => {
  const screen = new FakeScreen(2, 1);
  screen.fill({ x: 1, y: 0, width: 1, height: 1 }, [10, 128, 255]);
  const { client } = await openSession(t, screen);
  const expected: [PixelFormat | null, string][] = [
    [null, '00000000ff800a00'],
    [NATIVE_FORMAT, '000000000a80ff00'],
    [RGB565_BE, '00000c1f'],
  ];
  for (const [format, hex] of expected) {
    if (format) client.setPixelFormat(format);
    client.requestUpdate(false);
    await client.readUpdate();
    assert.equal(client.fb.toString('hex'), hex);
  }
});

test('key and pointer events reach the input sink', async (t) => {
  const events: unknown[] = [];
  const input = {
    keyEvent: (down: boolean, keysym: number) => events.push(['key', down, keysym]),
    pointerEvent: (mask: number, x: number, y: number) => events.push(['pointer', mask, x, y]),
  };
  const { client } = await openSession(t, new FakeScreen(8, 8), { input });
  client.socket.write(Buffer.from('0401000000000061', 'hex'));
  client.socket.write(Buffer.from('0504000a0014', 'hex'));
  client.socket.write(Buffer.from('0400000000', 'hex'));
  client.socket.write(Buffer.from('00ff', 'hex')); // a KeyEvent split across writes
  client.socket.write(Buffer.from('0d', 'hex'));
  client.requestUpdate(false);
  await client.readUpdate();
  assert.deepEqual(events, [
    ['key', true, 0x61],
    ['pointer', 4, 10, 20],
    ['key', false, 0xff0d],
  ]);
});

test('ClientCutText within the limit is accepted, beyond it closes the connection', async (t) => {
  const { client } = await openSession(t, new FakeScreen(8, 8), { maxCutText: 100 });
  const cut = (length: number): Buffer => {
    const msg = Buffer.alloc(8 + length);
    msg[0] = 6;
    msg.writeUInt32BE(length, 4);
    return msg;
  };
  client.socket.write(cut(100));
  client.requestUpdate(false);
  await client.readUpdate();
  client.socket.write(cut(101).subarray(0, 8));
  await client.reader.closed;
});

test('DesktopSize: a resize is announced, then the new screen is sent', async (t) => {
  const screen = new FakeScreen(16, 8, [9, 9, 9]);
  const { client } = await openSession(t, screen);
  client.setEncodings([0, -223]);
  client.requestUpdate(false);
  await client.readUpdate();
  screen.resize(24, 12);
  screen.fill({ x: 0, y: 0, width: 24, height: 12 }, [50, 60, 70]);
  client.requestUpdate(true);
  assert.deepEqual(
    (await client.readUpdate()).map((r) => [r.rect, r.encoding]),
    [[{ x: 0, y: 0, width: 24, height: 12 }, -223]],
  );
  assert.equal(client.width, 24);
  client.requestUpdate(true);
  assert.deepEqual(
    (await client.readUpdate()).map((r) => r.rect),
    [full(screen)],
  );
  assert.ok(client.shows(screen));
});

test('without DesktopSize a resized screen is clipped to the size the client knows', async (t) => {
  const screen = new FakeScreen(16, 8);
  const { client } = await openSession(t, screen);
  client.requestUpdate(false);
  await client.readUpdate();
  screen.resize(10, 20);
  client.requestUpdate(true);
  assert.deepEqual(
    (await client.readUpdate()).map((r) => r.rect),
    [{ x: 0, y: 0, width: 10, height: 8 }],
  );
});

test('a reported move reaches a CopyRect client as a copy, damage inside the source moving along', async (t) => {
  const screen = new FakeScreen(32, 48);
  let announce: ((dest: Rect, srcX: number, srcY: number) => void) | null = null;
  const moves = (listener: (dest: Rect, srcX: number, srcY: number) => void): (() => void) => {
    announce = listener;
    return () => (announce = null);
  };
  for (let row = 0; row < 3; row++)
    screen.fill({ x: 0, y: row * 16, width: 32, height: 16 }, [row * 80, 40, 200 - row * 60], false);
  const { client } = await openSession(t, screen, { moves });
  client.setEncodings([1, 0]);
  client.requestUpdate(false);
  await client.readUpdate();
  // Damage the middle line before the scroll: the client has not seen it, so it must follow the copy.
  screen.fill({ x: 4, y: 20, width: 4, height: 4 }, [255, 255, 0]);
  // Scroll up one 16-pixel line, as a console would: move, then draw the new bottom line.
  screen.pixels.copy(screen.pixels, 0, 16 * 32 * 4);
  announce!({ x: 0, y: 0, width: 32, height: 32 }, 0, 16);
  screen.fill({ x: 0, y: 32, width: 32, height: 16 }, [0, 255, 0]);
  client.requestUpdate(true);
  const rects = await client.readUpdate();
  assert.deepEqual(rects[0], { rect: { x: 0, y: 0, width: 32, height: 32 }, encoding: 1, bytes: 16 });
  assert.deepEqual(
    rects
      .slice(1)
      .map((r) => r.rect)
      .sort((a, b) => a.y - b.y),
    [
      { x: 4, y: 4, width: 4, height: 4 },
      { x: 0, y: 32, width: 32, height: 16 },
    ],
  );
  assert.ok(client.shows(screen));
});

test('a move is sent as pixels to a client without CopyRect', async (t) => {
  const screen = new FakeScreen(16, 16);
  let announce: ((dest: Rect, srcX: number, srcY: number) => void) | null = null;
  const { client } = await openSession(t, screen, {
    moves: (listener) => {
      announce = listener;
      return () => {};
    },
  });
  client.requestUpdate(false);
  await client.readUpdate();
  announce!({ x: 0, y: 0, width: 16, height: 8 }, 0, 8);
  client.requestUpdate(true);
  assert.deepEqual(
    (await client.readUpdate()).map((r) => [r.rect, r.encoding]),
    [[{ x: 0, y: 0, width: 16, height: 8 }, 0]],
  );
});

test('a client that does not read is not sent an unbounded backlog', async (t) => {
  const screen = new FakeScreen(256, 256);
  const { server, client } = await openSession(t, screen);
  client.socket.pause();
  const requests = Buffer.alloc(10 * 2000);
  for (let i = 0; i < 2000; i++) {
    requests[i * 10] = 3;
    requests.writeUInt16BE(256, i * 10 + 6);
    requests.writeUInt16BE(256, i * 10 + 8);
  }
  client.socket.write(requests);
  await sleep(300);
  const oneUpdate = 256 * 256 * 4 + 16;
  const queued = server.sockets[0]!.writableLength;
  assert.ok(queued <= oneUpdate, `server queued ${queued} bytes for a stalled client`);
});
