import { setTimeout as sleep } from 'node:timers/promises';
import net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeScreen } from './fake-screen.js';
import { ByteReader, TestClient, nullInput, openSession, startServer } from './rfb-client.js';

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed >>> 24;
  };
}

async function expectClosed(client: TestClient, bytes: Buffer): Promise<void> {
  client.socket.write(bytes);
  await client.reader.closed;
}

for (const [label, hex] of [
  ['an unknown message type', '01'],
  ['message type 255 (an extension never offered)', 'ff00000000000000000000'],
  ['a colour-map SetPixelFormat', '00000000' + '08080000' + '000700070003' + '000306' + '000000'],
  ['a 24 bpp SetPixelFormat', '00000000' + '18180001' + '00ff00ff00ff' + '100800' + '000000'],
  ['an extended-clipboard ClientCutText that was not offered', '06000000fffffff0'],
] as const) {
  test(`${label} closes the connection`, async (t) => {
    const { client } = await openSession(t, new FakeScreen(8, 8));
    await expectClosed(client, Buffer.from(hex, 'hex'));
  });
}

test('random bytes at any stage never escape the handler, and the server keeps serving', async (t) => {
  const failures: unknown[] = [];
  const record = (err: unknown): void => void failures.push(err);
  process.on('uncaughtException', record);
  process.on('unhandledRejection', record);
  t.after(() => {
    process.off('uncaughtException', record);
    process.off('unhandledRejection', record);
  });
  const screen = new FakeScreen(32, 32);
  const server = await startServer({ screen, input: nullInput, name: 'fuzz', password: () => null });
  t.after(() => server.close());
  const next = random(42);
  for (let round = 0; round < 60; round++) {
    const socket = net.connect(server.port, '127.0.0.1');
    const reader = new ByteReader(socket);
    await reader.read(12);
    const stage = round % 3;
    if (stage > 0) socket.write('RFB 003.008\n');
    if (stage > 1) {
      await reader.read(2);
      socket.write(Buffer.of(1, 1));
      await reader.read(4 + 24 + 4);
    }
    const garbage = Buffer.alloc(1 + (next() % 200), 0).map(() => next());
    socket.write(garbage);
    screen.fill({ x: next() % 32, y: next() % 32, width: 4, height: 4 }, [next(), next(), next()]);
    await Promise.race([reader.closed, sleep(20)]);
    socket.destroy();
  }
  const client = await TestClient.open(server.port);
  client.requestUpdate(false);
  await client.readUpdate();
  client.close();
  assert.deepEqual(failures, []);
});

test('an input sink that throws closes that connection only', async (t) => {
  const input = {
    keyEvent: () => {
      throw new Error('sink failure');
    },
    pointerEvent: () => {},
  };
  const { server, client } = await openSession(t, new FakeScreen(8, 8), { input });
  const other = await TestClient.open(server.port);
  t.after(() => other.close());
  await expectClosed(client, Buffer.from('0401000000000061', 'hex'));
  other.requestUpdate(false);
  await other.readUpdate();
});

test('an update request far outside the screen is clipped, not trusted', async (t) => {
  const { client } = await openSession(t, new FakeScreen(8, 8));
  client.requestUpdate(false, { x: 60000, y: 60000, width: 5000, height: 5000 });
  assert.deepEqual(await client.readUpdate(), []);
  client.requestUpdate(false, { x: 4, y: 4, width: 65535, height: 65535 });
  assert.deepEqual(
    (await client.readUpdate()).map((r) => r.rect),
    [{ x: 4, y: 4, width: 4, height: 4 }],
  );
});
