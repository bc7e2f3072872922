/**
 * The relay throughput benchmark's upstream: an RFB 3.8 server (security None) in its own
 * process that answers every non-incremental FramebufferUpdateRequest with one full-screen Raw
 * update (incremental ones wait forever: the screen never changes), built once,
 * so producing a frame costs it a socket write and nothing else. The relays under test (a direct
 * TCP connection, websockify, the openecs gateway) all carry this same byte stream; how fast a
 * simulated guest can draw does not enter the comparison. Reports its port over IPC.
 */
import { createServer, type Socket } from 'node:net';

const WIDTH = Number(process.env.RFB_SOURCE_WIDTH ?? 640);
const HEIGHT = Number(process.env.RFB_SOURCE_HEIGHT ?? 400);

function serverInit(): Buffer {
  const name = Buffer.from('bench source');
  const init = Buffer.alloc(24 + name.length);
  init.writeUInt16BE(WIDTH, 0);
  init.writeUInt16BE(HEIGHT, 2);
  // 32 bpp, depth 24, little-endian, true colour, max 255 each, shifts R=16 G=8 B=0.
  Buffer.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 16, 8, 0, 0, 0, 0).copy(init, 4);
  init.writeUInt32BE(name.length, 20);
  name.copy(init, 24);
  return init;
}

function rawFrame(): Buffer {
  const frame = Buffer.alloc(4 + 12 + WIDTH * HEIGHT * 4);
  frame.writeUInt16BE(1, 2);
  frame.writeUInt16BE(WIDTH, 8);
  frame.writeUInt16BE(HEIGHT, 10);
  // Pixels that no link-level compression could shrink, were any in the way.
  for (let i = 16; i < frame.length; i++) frame[i] = (i * 2654435761) >>> 24;
  return frame;
}

const FRAME = rawFrame();
const INIT = serverInit();
/** Sizes of the client messages a viewer sends after the handshake (ClientCutText: 8 + length). */
const FIXED: Record<number, number> = { 0: 20, 3: 10, 4: 8, 5: 6 };

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let phase: 'version' | 'security' | 'init' | 'messages' = 'version';
  let inbox: Buffer = Buffer.alloc(0);
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    inbox = inbox.length ? Buffer.concat([inbox, chunk]) : chunk;
    for (;;) {
      if (phase === 'version') {
        if (inbox.length < 12) return;
        inbox = inbox.subarray(12);
        socket.write(Buffer.of(1, 1)); // one security type: None
        phase = 'security';
      } else if (phase === 'security') {
        if (inbox.length < 1) return;
        inbox = inbox.subarray(1);
        socket.write(Buffer.alloc(4)); // SecurityResult OK
        phase = 'init';
      } else if (phase === 'init') {
        if (inbox.length < 1) return;
        inbox = inbox.subarray(1);
        socket.write(INIT);
        phase = 'messages';
      } else {
        if (inbox.length < 4) return;
        const type = inbox[0]!;
        let size = FIXED[type];
        if (type === 2) size = 4 + 4 * inbox.readUInt16BE(2);
        else if (type === 6) size = inbox.length >= 8 ? 8 + inbox.readUInt32BE(4) : Infinity;
        if (size === undefined) return void socket.destroy();
        if (inbox.length < size) return;
        const incremental = type === 3 && inbox[1] === 1;
        inbox = inbox.subarray(size);
        // An incremental request waits for changes, and this screen never changes.
        if (type === 3 && !incremental) socket.write(FRAME);
      }
    }
  });
  socket.write('RFB 003.008\n', 'latin1');
}

const server = createServer(serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0, frameBytes: FRAME.length });
});
process.on('disconnect', () => process.exit(0));
