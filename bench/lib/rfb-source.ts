/**
 * The relay throughput benchmark's upstream: an RFB 3.8 server (security None) in its own
 * process that answers every non-incremental FramebufferUpdateRequest with one full-screen Raw
 * update (incremental ones wait forever: the screen never changes), built once,
 * so producing a frame costs it a socket write and nothing else. The relays under test (a direct
 * TCP connection, websockify, the openecs gateway) all carry this same byte stream; how fast a
 * simulated guest can draw does not enter the comparison.
 *
 * It serves the same stream over a WebSocket too, each update one binary message: the most any
 * relay could deliver to a WebSocket viewer here, with no relay process in between at all.
 * Reports both ports over IPC.
 */
import { createServer } from 'node:net';
import { WebSocketServer } from 'ws';

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

/** One viewer's connection, TCP or WebSocket. */
interface Link {
  write(bytes: Buffer): void;
  destroy(): void;
}

/** Runs the RFB server side for one viewer; returns what takes the bytes the viewer sends. */
function serve(link: Link): (chunk: Buffer) => void {
  let phase: 'version' | 'security' | 'init' | 'messages' = 'version';
  let inbox: Buffer = Buffer.alloc(0);
  link.write(Buffer.from('RFB 003.008\n', 'latin1'));
  return (chunk) => {
    inbox = inbox.length ? Buffer.concat([inbox, chunk]) : chunk;
    for (;;) {
      if (phase === 'version') {
        if (inbox.length < 12) return;
        inbox = inbox.subarray(12);
        link.write(Buffer.of(1, 1)); // one security type: None
        phase = 'security';
      } else if (phase === 'security') {
        if (inbox.length < 1) return;
        inbox = inbox.subarray(1);
        link.write(Buffer.alloc(4)); // SecurityResult OK
        phase = 'init';
      } else if (phase === 'init') {
        if (inbox.length < 1) return;
        inbox = inbox.subarray(1);
        link.write(INIT);
        phase = 'messages';
      } else {
        if (inbox.length < 4) return;
        const type = inbox[0]!;
        let size = FIXED[type];
        if (type === 2) size = 4 + 4 * inbox.readUInt16BE(2);
        else if (type === 6) size = inbox.length >= 8 ? 8 + inbox.readUInt32BE(4) : Infinity;
        if (size === undefined) return void link.destroy();
        if (inbox.length < size) return;
        const incremental = type === 3 && inbox[1] === 1;
        inbox = inbox.subarray(size);
        // An incremental request waits for changes, and this screen never changes.
        if (type === 3 && !incremental) link.write(FRAME);
      }
    }
  };
}

const tcp = createServer((socket) => {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  socket.on('data', serve(socket));
});
const ws = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
ws.on('connection', (viewer) => {
  viewer.on('error', () => viewer.terminate());
  const take = serve({ write: (bytes) => viewer.send(bytes), destroy: () => viewer.terminate() });
  viewer.on('message', (data) => take(data as Buffer));
});
const port = (server: { address(): unknown }) => (server.address() as { port: number }).port;
await Promise.all([
  new Promise((resolve) => tcp.listen(0, '127.0.0.1', () => resolve(null))),
  new Promise((resolve) => ws.once('listening', resolve)),
]);
process.send!({ port: port(tcp), wsPort: port(ws), frameBytes: FRAME.length });
process.on('disconnect', () => process.exit(0));
