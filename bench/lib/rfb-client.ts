/**
 * A small RFB viewer for the console benchmarks, over a TCP socket or a WebSocket (as noVNC
 * speaks through a relay): handshake with None or VNC Authentication, then framebuffer updates
 * counted as they stream in, without copying their pixels.
 */
import { connect } from 'node:net';
import WebSocket from 'ws';
import { vncAuthResponse } from '../../src/rfb/vnc-auth.js';

export interface Transport {
  write(data: Buffer): void;
  close(): void;
  /**
   * Sends every byte received from now on to `sink`, starting with any that arrived before a sink
   * was set (a relay may deliver the server's first bytes together with its upgrade answer).
   */
  receive(sink: (chunk: Buffer) => void): void;
  readonly closed: Promise<void>;
}

/** Holds received chunks until a sink is set. */
function inbox(): { deliver(chunk: Buffer): void; receive(sink: (chunk: Buffer) => void): void } {
  let sink: ((chunk: Buffer) => void) | null = null;
  let queued: Buffer[] = [];
  return {
    deliver: (chunk) => (sink ? sink(chunk) : void queued.push(chunk)),
    receive(next) {
      sink = next;
      const waiting = queued;
      queued = [];
      for (const chunk of waiting) next(chunk);
    },
  };
}

/** Resolves once connected (TCP connect done, or WebSocket upgrade answered). */
export function tcpTransport(host: string, port: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const received = inbox();
    const transport: Transport = {
      write: (data) => void socket.write(data),
      close: () => socket.destroy(),
      receive: received.receive,
      closed: new Promise((r) => socket.on('close', () => r())),
    };
    socket.on('data', received.deliver);
    socket.once('connect', () => resolve(transport));
    socket.once('error', reject);
  });
}

export function wsTransport(url: string): Promise<Transport> {
  return new Promise((resolve, reject) => {
    // noVNC asks for the 'binary' subprotocol; websockify 0.10 insists on it or on none.
    const ws = new WebSocket(url, ['binary'], { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    const received = inbox();
    const transport: Transport = {
      write: (data) => ws.send(data),
      close: () => ws.terminate(),
      receive: received.receive,
      closed: new Promise((r) => ws.on('close', () => r())),
    };
    ws.on('message', received.deliver);
    ws.once('open', () => resolve(transport));
    ws.once('unexpected-response', (_request, response) =>
      reject(new Error(`${url.replace(/s=[^&]+/, 's=…')}: upgrade answered ${response.statusCode}`)),
    );
    ws.once('error', reject);
  });
}

/** Awaitable reads of exact byte counts, for the handshake. */
class Reader {
  private buffered: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    this.wake?.();
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** What arrived beyond the handshake. */
  rest(): Buffer {
    const out = this.buffered;
    this.buffered = Buffer.alloc(0);
    return out;
  }
}

export interface ServerInit {
  width: number;
  height: number;
  bytesPerPixel: number;
}

export const Encodings = {
  Raw: 0,
  /** What noVNC 1.7 sends, in its order (CopyRect, Tight, ..., Raw, then pseudo-encodings). */
  noVnc: [1, 7, -260, 16, 21, 5, 2, 6, 0, -223, -224, -258, -307, -308, -309, -312, -313, 0x574d5664],
};

/**
 * Connected and past ServerInit. Updates are followed by `FrameCounter` when the viewer uses Raw
 * (whose sizes are known); other encodings are only drained.
 */
export class RfbViewer {
  private constructor(
    readonly transport: Transport,
    readonly init: ServerInit,
    /** Bytes received after the handshake, until stream() takes over. */
    private readonly leftover: Buffer[],
  ) {}

  static async handshake(transport: Transport, password: string | null): Promise<RfbViewer> {
    const reader = new Reader();
    transport.receive((chunk) => reader.push(chunk));
    const version = (await reader.read(12)).toString('latin1');
    if (!version.startsWith('RFB 003.')) throw new Error(`not an RFB server: ${JSON.stringify(version)}`);
    transport.write(Buffer.from('RFB 003.008\n', 'latin1'));
    const count = (await reader.read(1))[0]!;
    if (count === 0) throw new Error('the RFB server refused the connection');
    const types = [...(await reader.read(count))];
    if (types.includes(1) && password === null) {
      transport.write(Buffer.of(1));
    } else if (types.includes(2) && password !== null) {
      transport.write(Buffer.of(2));
      transport.write(vncAuthResponse(password, await reader.read(16)));
    } else {
      throw new Error(
        `no usable security type among ${types.join(',')} (password ${password === null ? 'none' : 'given'})`,
      );
    }
    if ((await reader.read(4)).readUInt32BE() !== 0) throw new Error('RFB authentication failed');
    transport.write(Buffer.of(1)); // ClientInit: shared
    const head = await reader.read(24);
    const nameLength = head.readUInt32BE(20);
    await reader.read(nameLength);
    const init = { width: head.readUInt16BE(0), height: head.readUInt16BE(2), bytesPerPixel: head[4]! >> 3 };
    const leftover = [reader.rest()];
    transport.receive((chunk) => leftover.push(chunk));
    return new RfbViewer(transport, init, leftover);
  }

  /** noVNC 1.7's format: 32 bpp, depth 24, little-endian, R at bit 0, G at 8, B at 16. */
  setNoVncPixelFormat(): void {
    const message = Buffer.alloc(20);
    Buffer.of(32, 24, 0, 1, 0, 255, 0, 255, 0, 255, 0, 8, 16).copy(message, 4);
    this.transport.write(message);
  }

  setEncodings(encodings: number[]): void {
    const message = Buffer.alloc(4 + 4 * encodings.length);
    message[0] = 2;
    message.writeUInt16BE(encodings.length, 2);
    encodings.forEach((encoding, i) => message.writeInt32BE(encoding, 4 + 4 * i));
    this.transport.write(message);
  }

  requestUpdate(incremental: boolean): void {
    const message = Buffer.alloc(10);
    message[0] = 3;
    message[1] = incremental ? 1 : 0;
    message.writeUInt16BE(this.init.width, 6);
    message.writeUInt16BE(this.init.height, 8);
    this.transport.write(message);
  }

  key(keysym: number): void {
    for (const down of [1, 0]) {
      const message = Buffer.alloc(8);
      message[0] = 4;
      message[1] = down;
      message.writeUInt32BE(keysym, 4);
      this.transport.write(message);
    }
  }

  /** Routes every byte from now on to `sink` (starting with any that came with the handshake). */
  stream(sink: (chunk: Buffer) => void): void {
    for (const chunk of this.leftover.splice(0)) if (chunk.length) sink(chunk);
    this.transport.receive(sink);
  }
}

/**
 * Follows a stream of Raw FramebufferUpdates (and Bell / ServerCutText, which a console may send)
 * and calls `frame` at the end of each update. Counts pixels, never copies them.
 */
export class FrameCounter {
  bytes = 0;
  frames = 0;
  private need = 4;
  private head = Buffer.alloc(12);
  private headLength = 0;
  private state: 'message' | 'rect' | 'pixels' | 'cutHead' | 'cutText' = 'message';
  private rectsLeft = 0;
  private skip = 0;

  constructor(
    private readonly bytesPerPixel: number,
    private readonly frame: () => void,
  ) {}

  push = (chunk: Buffer): void => {
    this.bytes += chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (this.state === 'pixels' || this.state === 'cutText') {
        const take = Math.min(this.skip, chunk.length - at);
        at += take;
        this.skip -= take;
        if (this.skip === 0) this.afterPayload();
        continue;
      }
      const take = Math.min(this.need - this.headLength, chunk.length - at);
      chunk.copy(this.head, this.headLength, at, at + take);
      this.headLength += take;
      at += take;
      if (this.headLength < this.need) continue;
      this.headLength = 0;
      this.onHead();
    }
  };

  private onHead(): void {
    if (this.state === 'message') {
      const type = this.head[0];
      if (type === 0) {
        this.rectsLeft = this.head.readUInt16BE(2);
        this.expectRect();
      } else if (type === 2) {
        // Bell: one byte; the three others read belong to the next message.
        throw new Error('Bell inside a benchmark stream is not expected');
      } else if (type === 3) {
        this.state = 'cutHead';
        this.need = 4;
      } else {
        throw new Error(`unexpected server message type ${type}`);
      }
    } else if (this.state === 'cutHead') {
      this.skip = this.head.readUInt32BE(0);
      this.state = 'cutText';
      if (this.skip === 0) this.afterPayload();
    } else if (this.state === 'rect') {
      const width = this.head.readUInt16BE(4);
      const height = this.head.readUInt16BE(6);
      const encoding = this.head.readInt32BE(8);
      if (encoding !== 0) throw new Error(`FrameCounter follows Raw only, got encoding ${encoding}`);
      this.skip = width * height * this.bytesPerPixel;
      this.state = 'pixels';
      if (this.skip === 0) this.afterPayload();
    }
  }

  private afterPayload(): void {
    if (this.state === 'cutText') {
      this.toMessage();
      return;
    }
    this.rectsLeft--;
    this.expectRect();
  }

  private expectRect(): void {
    if (this.rectsLeft > 0) {
      this.state = 'rect';
      this.need = 12;
      return;
    }
    this.frames++;
    this.toMessage();
    this.frame();
  }

  private toMessage(): void {
    this.state = 'message';
    this.need = 4;
  }
}
