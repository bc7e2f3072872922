import net from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientStreamParser } from '../../src/rfb/client-stream.js';
import { FakeScreen } from './fake-screen.js';
import { TestClient, nullInput, startServer } from './rfb-client.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/ /g, ''), 'hex');

/** Every message type the parser knows, with the event each should produce. */
const MESSAGES: [Buffer, string][] = [
  [hex('00000000 20180001 00ff00ff00ff 000810 000000'), 'other:setPixelFormat'],
  [hex('02000003 00000007 00000001 ffffff21'), 'other:setEncodings'],
  [hex('03010000 00000280 0190'), 'other:updateRequest'],
  [hex('04010000 00000061'), 'input:key'],
  [hex('05010010 0020'), 'input:pointer'],
  [Buffer.concat([hex('06000000 00000005'), Buffer.from('hello')]), 'input:clipboard'],
  [Buffer.concat([hex('06000000 fffffff8'), Buffer.alloc(8, 0xaa)]), 'input:clipboard'],
  [hex('ff000001 00000061 0000001e'), 'input:key'],
  [hex('f8000000 00000003 03 616263'), 'other:fence'],
  [hex('96010000 00000280 0190'), 'other:enableContinuousUpdates'],
  [hex('fb000280 01900100 00000000 00000000 02800190 00000000'), 'other:setDesktopSize'],
  [hex('fa000102'), 'other:xvp'],
  [hex('02000000'), 'other:setEncodings'],
];
const messages = Buffer.concat(MESSAGES.map(([bytes]) => bytes));
const expected = MESSAGES.map(([, event]) => event);

function parser(): { parser: ClientStreamParser; events: string[] } {
  const events: string[] = [];
  const p = new ClientStreamParser({
    input: (kind) => events.push(`input:${kind}`),
    other: (kind) => events.push(`other:${kind}`),
    error: (reason) => events.push(`error:${reason}`),
  });
  return { parser: p, events };
}

const challenge = Buffer.alloc(16, 0x5a);
const u32 = (n: number): Buffer => Buffer.from([n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);

const CASES = [
  {
    name: '3.8 with VNC authentication',
    client: Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(2), challenge, Buffer.of(1), messages]),
    server: Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1, 2), challenge]),
  },
  {
    name: '3.7 with None',
    client: Buffer.concat([Buffer.from('RFB 003.007\n'), Buffer.of(1), Buffer.of(0), messages]),
    server: Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1, 1)]),
  },
  {
    name: '3.3 with VNC authentication',
    client: Buffer.concat([Buffer.from('RFB 003.003\n'), challenge, Buffer.of(1), messages]),
    server: Buffer.concat([Buffer.from('RFB 003.008\n'), u32(2), challenge]),
  },
  {
    name: '3.3 with None',
    client: Buffer.concat([Buffer.from('RFB 003.003\n'), Buffer.of(1), messages]),
    server: Buffer.concat([Buffer.from('RFB 003.008\n'), u32(1)]),
  },
];

for (const c of CASES) {
  test(`${c.name}: classified the same however the stream is split`, () => {
    for (let cut = 0; cut <= c.client.length; cut++) {
      const { parser: p, events } = parser();
      // A relay may tap the server's bytes before or after the client's handshake bytes arrive;
      // messages cannot come before the server's (the client waits for them).
      const handshake = c.client.length - messages.length;
      const serverAt = cut % 2 === 0 ? 0 : Math.min(cut, handshake);
      p.fromClient(c.client.subarray(0, serverAt));
      p.fromServer(c.server.subarray(0, cut % 7));
      p.fromServer(c.server.subarray(cut % 7));
      p.fromClient(c.client.subarray(serverAt, Math.max(cut, serverAt)));
      p.fromClient(c.client.subarray(Math.max(cut, serverAt)));
      assert.deepEqual(events, expected, `split at byte ${cut}`);
    }
  });

  test(`${c.name}: one byte at a time`, () => {
    const { parser: p, events } = parser();
    for (let i = 0; i < c.server.length; i++) p.fromServer(c.server.subarray(i, i + 1));
    for (let i = 0; i < c.client.length; i++) p.fromClient(c.client.subarray(i, i + 1));
    assert.deepEqual(events, expected);
  });
}

test('malformed streams are reported once and the rest is ignored', () => {
  const cases: [Buffer, Buffer, RegExp][] = [
    [Buffer.from('GET / HTTP/1.1\r\n'), Buffer.alloc(0), /not an RFB protocol version/],
    [Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(19)]), Buffer.alloc(0), /security type 19/],
    [Buffer.from('RFB 003.003\n'), Buffer.concat([Buffer.from('RFB 003.003\n'), u32(0)]), /refused/],
    [
      Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1, 1), hex('07 04010000')]),
      Buffer.alloc(0),
      /unknown message type 7/,
    ],
    [
      Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1, 1), hex('ff05')]),
      Buffer.alloc(0),
      /unknown message type 255/,
    ],
    [Buffer.concat([Buffer.from('RFB 003.003\n'), Buffer.alloc(100)]), Buffer.alloc(0), /before the server chose/],
  ];
  for (const [client, server, reason] of cases) {
    const { parser: p, events } = parser();
    p.fromServer(server);
    p.fromClient(client);
    p.fromClient(messages);
    assert.equal(events.length, 1, String(events));
    assert.match(events[0]!, reason);
    assert.equal(p.failed, true);
  }
});

test('a relay tapping both directions sees the input of a real session', async (t) => {
  const password = 'pw';
  const rfb = await startServer({
    screen: new FakeScreen(16, 16),
    input: nullInput,
    name: 'x',
    password: () => password,
  });
  t.after(() => rfb.close());
  const events: string[] = [];
  const relay = net.createServer((browser) => {
    const p = new ClientStreamParser({
      input: (kind) => events.push(kind),
      error: (reason) => events.push(`error ${reason}`),
    });
    const upstream = net.connect(rfb.port, '127.0.0.1');
    browser.on('data', (chunk: Buffer) => (p.fromClient(chunk), upstream.write(chunk)));
    upstream.on('data', (chunk: Buffer) => (p.fromServer(chunk), browser.write(chunk)));
    browser.on('close', () => upstream.destroy());
    upstream.on('close', () => browser.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => relay.close(resolve)));
  const client = await TestClient.open((relay.address() as net.AddressInfo).port, password);
  client.requestUpdate(false);
  await client.readUpdate();
  client.socket.write(hex('04010000 00000061 05000001 0001'));
  client.requestUpdate(false);
  await client.readUpdate();
  client.close();
  assert.deepEqual(events, ['key', 'pointer']);
});
