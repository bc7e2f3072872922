import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { connectConsole } from '../../src/console/console-socket.js';
import { type CloseReason, ConsoleRelay } from '../../src/console/session.js';

/**
 * The relay's flow control, in-process with real sockets: a WebSocket pair on loopback and a
 * plain TCP peer standing for the instance's RFB endpoint. Neither side may make the gateway
 * buffer what the other cannot take, and every byte arrives, in order, once the slow side reads.
 */

const MiB = 1 << 20;
const SESSION = { sessionId: 'vnc-test', accountId: '1', instanceId: 'i-test', clientIp: '127.0.0.1' };

interface Rig {
  client: WebSocket;
  peer: Socket;
  gatewayTcp: Socket;
  gatewayWs: WebSocket;
  relay: ConsoleRelay;
  ended: Promise<CloseReason>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const peers: Socket[] = [];
  // The peer reads (and drops) what it gets, as an RFB server would, unless a test pauses it.
  const tcpServer: Server = createServer((socket) => peers.push(socket.resume()));
  await new Promise<void>((resolve) => tcpServer.listen(0, '127.0.0.1', resolve));
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await once(wss, 'listening');
  const gatewayWsReady = once(wss, 'connection');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as { port: number }).port}`, {
    perMessageDeflate: false,
  });
  await once(client, 'open');
  const [gatewayWs] = (await gatewayWsReady) as [WebSocket];
  const gatewayTcp = await connectConsole('127.0.0.1', (tcpServer.address() as { port: number }).port, 5_000);
  let relay!: ConsoleRelay;
  const ended = new Promise<CloseReason>((resolve) => {
    relay = new ConsoleRelay(SESSION, gatewayWs, gatewayTcp, { idleMs: 60_000, onEnd: resolve });
  });
  while (peers.length === 0) await new Promise((resolve) => setImmediate(resolve));
  return {
    client,
    peer: peers[0]!,
    gatewayTcp,
    gatewayWs,
    relay,
    ended,
    async close() {
      client.terminate();
      peers[0]!.destroy();
      await ended;
      wss.close();
      await new Promise((resolve) => tcpServer.close(resolve));
    },
  };
}

/** An RFB 3.8 opening with security None, so the stream follower accepts what comes next. */
function handshake(r: Rig): void {
  r.peer.write(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1, 1), Buffer.alloc(4)]));
  r.client.send(Buffer.concat([Buffer.from('RFB 003.008\n'), Buffer.of(1), Buffer.of(1)]));
}

/** A ClientCutText message of exactly 1 MiB whose text is `index` repeated, so order can be checked. */
function cutText(index: number): Buffer {
  const message = Buffer.alloc(MiB, index & 0xff);
  message.fill(0, 0, 8);
  message[0] = 6;
  message.writeUInt32BE(MiB - 8, 4);
  return message;
}

test('browser -> console: a console that does not read pauses the WebSocket; nothing piles up in the gateway', async () => {
  const r = await rig();
  try {
    r.peer.pause();
    handshake(r);
    const messages = 48;
    for (let i = 0; i < messages; i++) r.client.send(cutText(i));
    await new Promise((resolve) => setTimeout(resolve, 500));
    // What the kernel buffers is out of our hands; what the gateway holds in user space is not.
    assert.ok(
      r.gatewayTcp.writableLength <= 2 * MiB,
      `gateway holds ${r.gatewayTcp.writableLength} bytes for the console`,
    );
    assert.ok(r.client.bufferedAmount > 16 * MiB, 'the browser side is held back instead');

    const chunks: Buffer[] = [];
    let length = 0;
    const expected = 14 + messages * MiB;
    r.peer.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
    });
    r.peer.resume();
    while (length < expected) await new Promise((resolve) => setTimeout(resolve, 20));
    const received = Buffer.concat(chunks);
    assert.equal(received.length, expected);
    for (let i = 0; i < messages; i++) {
      const at = 14 + i * MiB;
      assert.equal(received[at], 6, 'a message starts here');
      assert.equal(received[at + MiB - 1], i, 'in order');
    }
  } finally {
    await r.close();
  }
});

test('console -> browser: a browser that does not read pauses the console socket; every byte arrives later', async () => {
  const r = await rig();
  try {
    handshake(r); // the console's 18 handshake bytes come first
    const clientSocket = (r.client as unknown as { _socket: Socket })._socket;
    clientSocket.pause();
    const total = 48 * MiB;
    const chunk = Buffer.alloc(256 * 1024, 0xab);
    let written = 0;
    const writeMore = () => {
      while (written < total) {
        written += chunk.length;
        if (!r.peer.write(chunk)) return void r.peer.once('drain', writeMore);
      }
    };
    writeMore();
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.ok(
      r.gatewayWs.bufferedAmount <= 2 * MiB,
      `gateway holds ${r.gatewayWs.bufferedAmount} bytes for the browser`,
    );
    assert.ok(written < total, 'the console is held back instead');

    let received = 0;
    r.client.on('message', (data: Buffer) => (received += data.length));
    clientSocket.resume();
    while (received < total + 18) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(received, total + 18);
  } finally {
    await r.close();
  }
});

test('closing: the client hangs up -> the console socket ends, reason "client"; the console hangs up -> 1000', async () => {
  const first = await rig();
  handshake(first);
  const peerEnded = once(first.peer, 'end');
  first.client.close();
  assert.equal(await first.ended, 'client');
  await peerEnded;
  await first.close();

  const second = await rig();
  handshake(second);
  const closed = once(second.client, 'close');
  second.peer.end();
  const [code] = (await closed) as [number, Buffer];
  assert.equal(code, 1000);
  assert.equal(await second.ended, 'console closed');
  await second.close();
});
