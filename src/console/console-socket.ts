import { connect, type Socket } from 'node:net';

/**
 * Connections to console endpoints (QEMU's -vnc port), read the way a relay needs at hundreds of
 * MB/s. By default Node reads a socket 64 KiB at a time into a fresh buffer, and at that rate the
 * buffers (external memory) drive V8 into a scavenge every few tens of milliseconds and, once its
 * heap has shrunk after an idle spell, a full mark-compact every ~90 ms, on the main thread and
 * four helper threads: the relay then carried 0.6-0.7x what a minimal relay without the rest of
 * the server did. So every console connection reads into one shared 256 KiB buffer (a read is
 * handed on before the event loop can make the next one), and each read is copied out: a large one
 * into a buffer that is reused once the WebSocket has sent it, a small one into a fresh buffer of
 * its size. A copy costs far less than the garbage it replaces, and an idle session holds no
 * buffer at all. BENCHMARKS.md (relay) has the measurements.
 */
export const READ_BYTES = 256 << 10;
/** Reads at least this large are copied into a reusable buffer, which is thus at least half full. */
const REUSE_FROM = READ_BYTES / 2;
/** Reusable buffers kept while no read needs them; any beyond are left to the garbage collector. */
const MAX_SPARES = 8;

const readBuffer = Buffer.allocUnsafeSlow(READ_BYTES);
const spares: Buffer[] = [];

/**
 * Takes the bytes of one read. `sent`, when given, must be called once `bytes` are no longer
 * needed (written, or dropped): the buffer behind them is then reused.
 */
export type ConsoleSink = (bytes: Buffer, sent: (() => void) | null) => void;

const starters = new WeakMap<Socket, (sink: ConsoleSink) => void>();

function deliver(length: number, sink: ConsoleSink): void {
  if (length < REUSE_FROM) return sink(Buffer.from(readBuffer.subarray(0, length)), null);
  const spare = spares.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
  readBuffer.copy(spare, 0, 0, length);
  sink(spare.subarray(0, length), () => {
    if (spares.length < MAX_SPARES) spares.push(spare);
  });
}

/** Connects to a console endpoint; nothing is read until `receive` names where the bytes go. */
export function connectConsole(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    let sink: ConsoleSink | null = null;
    const socket = connect({
      host,
      port,
      timeout: timeoutMs,
      onread: {
        buffer: readBuffer,
        callback: (length) => {
          deliver(length, sink!);
          return true;
        },
      },
    });
    // A paused socket with its own read buffer does not start reading once connected.
    socket.pause();
    starters.set(socket, (next) => {
      sink = next;
      socket.resume();
    });
    socket.once('connect', () => {
      socket.setTimeout(0);
      resolve(socket);
    });
    socket.once('timeout', () => socket.destroy(new Error('console connect timed out')));
    socket.once('error', reject);
  });
}

/** Starts reading a socket from connectConsole into `sink`; pause() and resume() work as usual. */
export function receive(socket: Socket, sink: ConsoleSink): void {
  const start = starters.get(socket);
  if (!start) throw new Error('not a console connection from connectConsole');
  starters.delete(socket);
  start(sink);
}
