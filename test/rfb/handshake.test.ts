import net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_FORMAT, readPixelFormat } from '../../src/rfb/pixel-format.js';
import { vncAuthResponse } from '../../src/rfb/vnc-auth.js';
import { FakeScreen } from './fake-screen.js';
import { ByteReader, type TestServer, nullInput, startServer } from './rfb-client.js';

async function withServer(
  password: string | null,
  run: (port: number, server: TestServer) => Promise<void>,
  screen = new FakeScreen(64, 32),
): Promise<void> {
  const server = await startServer({ screen, input: nullInput, name: 'vm-1', password: () => password });
  try {
    await run(server.port, server);
  } finally {
    await server.close();
  }
}

async function connect(port: number): Promise<{ socket: net.Socket; r: ByteReader }> {
  const socket = net.connect(port, '127.0.0.1');
  const r = new ByteReader(socket);
  assert.equal((await r.read(12)).toString('latin1'), 'RFB 003.008\n');
  return { socket, r };
}

async function expectServerInit(socket: net.Socket, r: ByteReader): Promise<void> {
  socket.write(Buffer.of(0));
  assert.equal(await r.u16(), 64);
  assert.equal(await r.u16(), 32);
  assert.deepEqual(readPixelFormat(await r.read(16), 0), DEFAULT_FORMAT);
  assert.equal((await r.read(await r.u32())).toString(), 'vm-1');
}

test('3.8 with None: one security type, SecurityResult ok, ServerInit', () =>
  withServer(null, async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.008\n');
    assert.deepEqual([...(await r.read(2))], [1, 1]);
    socket.write(Buffer.of(1));
    assert.equal(await r.u32(), 0);
    await expectServerInit(socket, r);
    socket.destroy();
  }));

test('3.7 with None: no SecurityResult', () =>
  withServer(null, async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.007\n');
    assert.deepEqual([...(await r.read(2))], [1, 1]);
    socket.write(Buffer.of(1));
    await expectServerInit(socket, r);
    socket.destroy();
  }));

test('3.3 with None: the server names the type as a u32', () =>
  withServer(null, async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.003\n');
    assert.equal(await r.u32(), 1);
    await expectServerInit(socket, r);
    socket.destroy();
  }));

for (const version of ['003.008', '003.007', '003.003']) {
  test(`${version} VNC authentication succeeds with the right password`, () =>
    withServer('hunter22', async (port) => {
      const { socket, r } = await connect(port);
      socket.write(`RFB ${version}\n`);
      if (version === '003.003') {
        assert.equal(await r.u32(), 2);
      } else {
        assert.deepEqual([...(await r.read(2))], [1, 2]);
        socket.write(Buffer.of(2));
      }
      socket.write(vncAuthResponse('hunter22', await r.read(16)));
      assert.equal(await r.u32(), 0);
      await expectServerInit(socket, r);
      socket.destroy();
    }));
}

test('3.8 authentication failure carries a reason, then the server closes', () =>
  withServer('hunter22', async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.008\n');
    await r.read(2);
    socket.write(Buffer.of(2));
    socket.write(vncAuthResponse('wrong', await r.read(16)));
    assert.equal(await r.u32(), 1);
    assert.equal((await r.read(await r.u32())).toString(), 'Authentication failed');
    await r.closed;
    assert.equal(r.available, 0);
  }));

test('3.3 authentication failure is a bare u32 1', () =>
  withServer('hunter22', async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.003\n');
    assert.equal(await r.u32(), 2);
    socket.write(vncAuthResponse('hunter2', await r.read(16)));
    assert.equal(await r.u32(), 1);
    await r.closed;
    assert.equal(r.available, 0);
  }));

test('each challenge is fresh', () =>
  withServer('pw', async (port) => {
    const challenges: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { socket, r } = await connect(port);
      socket.write('RFB 003.003\n');
      await r.u32();
      challenges.push((await r.read(16)).toString('hex'));
      socket.destroy();
    }
    assert.notEqual(challenges[0], challenges[1]);
  }));

test('choosing a type that was not offered fails', () =>
  withServer('pw', async (port) => {
    const { socket, r } = await connect(port);
    socket.write('RFB 003.008\n');
    await r.read(2);
    socket.write(Buffer.of(1));
    assert.equal(await r.u32(), 1);
    assert.equal((await r.read(await r.u32())).toString(), 'Authentication failed');
    await r.closed;
  }));

test('the password is read at each handshake', async () => {
  let password: string | null = 'first';
  const server = await startServer({
    screen: new FakeScreen(8, 8),
    input: nullInput,
    name: 'x',
    password: () => password,
  });
  try {
    const a = await connect(server.port);
    a.socket.write('RFB 003.008\n');
    assert.deepEqual([...(await a.r.read(2))], [1, 2]);
    password = null;
    const b = await connect(server.port);
    b.socket.write('RFB 003.008\n');
    assert.deepEqual([...(await b.r.read(2))], [1, 1]);
    // The first connection still expects the password it offered.
    a.socket.write(Buffer.of(2));
    a.socket.write(vncAuthResponse('first', await a.r.read(16)));
    assert.equal(await a.r.u32(), 0);
    a.socket.destroy();
    b.socket.destroy();
  } finally {
    await server.close();
  }
});

test('a non-RFB version string closes the connection', () =>
  withServer(null, async (port) => {
    const { socket, r } = await connect(port);
    socket.write('GET / HTTP/1.1\r\n\r\n');
    await r.closed;
    assert.equal(r.available, 0);
  }));

test('closing the session resolves `closed` and unsubscribes from damage', () => {
  const screen = new FakeScreen(64, 32);
  return withServer(
    null,
    async (port, server) => {
      const { socket, r } = await connect(port);
      socket.write('RFB 003.008\n');
      await r.read(2);
      socket.write(Buffer.of(1));
      await r.u32();
      await expectServerInit(socket, r);
      assert.equal(screen.listenerCount, 1);
      server.sessions[0]!.close();
      await server.sessions[0]!.closed;
      assert.equal(screen.listenerCount, 0);
      await r.closed;
    },
    screen,
  );
});
