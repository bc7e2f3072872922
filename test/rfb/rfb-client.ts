import net from 'node:net';
import type { TestContext } from 'node:test';
import { type Inflate, constants, createInflate } from 'node:zlib';
import type { Rect } from '../../src/rfb/framebuffer.js';
import {
  DEFAULT_FORMAT,
  type PixelFormat,
  readPixelFormat,
  translateRect,
  writePixelFormat,
} from '../../src/rfb/pixel-format.js';
import { type RfbConnection, type RfbServerOptions, serveRfb } from '../../src/rfb/server.js';
import { vncAuthResponse } from '../../src/rfb/vnc-auth.js';
import type { FakeScreen } from './fake-screen.js';

/** Awaitable reads of exact byte counts from a socket. */
export class ByteReader {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  ended = false;
  readonly closed: Promise<void>;

  constructor(socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake?.();
        resolve();
      }),
    );
    socket.on('error', () => {});
  }

  get available(): number {
    return this.buffered.length;
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.ended) throw new Error(`connection closed while waiting for ${n} bytes`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }
  async u16(): Promise<number> {
    return (await this.read(2)).readUInt16BE();
  }
  async u32(): Promise<number> {
    return (await this.read(4)).readUInt32BE();
  }
  async s32(): Promise<number> {
    return (await this.read(4)).readInt32BE();
  }
}

export interface TestServer {
  port: number;
  sessions: RfbConnection[];
  sockets: net.Socket[];
  close(): Promise<void>;
}

export async function startServer(options: RfbServerOptions): Promise<TestServer> {
  const sessions: RfbConnection[] = [];
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    sessions.push(serveRfb(socket, options));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions,
    sockets,
    close: async () => {
      for (const session of sessions) session.close();
      await Promise.all(sessions.map((s) => s.closed));
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const nullInput = { keyEvent: () => {}, pointerEvent: () => {} };

/** A persistent inflater, the client half of a server's DeflateStream. */
export class Inflater {
  private readonly stream: Inflate = createInflate();
  private output: Buffer[] = [];

  constructor() {
    this.stream.on('data', (chunk: Buffer) => this.output.push(chunk));
  }

  inflate(data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.write(data);
      this.stream.flush(constants.Z_SYNC_FLUSH, () => {
        this.stream.off('error', reject);
        const out = Buffer.concat(this.output);
        this.output = [];
        resolve(out);
      });
    });
  }

  close(): void {
    this.stream.destroy();
  }
}

export interface ReceivedRect {
  rect: Rect;
  encoding: number;
  /** Wire bytes of the rectangle, header included. */
  bytes: number;
}

/** A small RFB client that decodes Raw, CopyRect, Zlib, the Tight subset the server emits, and DesktopSize. */
export class TestClient {
  readonly reader: ByteReader;
  format: PixelFormat = DEFAULT_FORMAT;
  width = 0;
  height = 0;
  name = '';
  /** The client's framebuffer, in `format`. */
  fb = Buffer.alloc(0);
  /** Which Tight forms were received: fill, mono, palette, full-colour. */
  readonly tightForms = new Set<string>();
  private zlib = new Inflater();
  private tight: Inflater[] = [0, 1, 2, 3].map(() => new Inflater());

  private constructor(readonly socket: net.Socket) {
    this.reader = new ByteReader(socket);
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new TestClient(socket);
  }

  /** Connects and completes a 3.8 handshake. */
  static async open(port: number, password: string | null = null): Promise<TestClient> {
    const client = await TestClient.connect(port);
    await client.handshake(password);
    return client;
  }

  async handshake(password: string | null): Promise<void> {
    const r = this.reader;
    await r.read(12);
    this.socket.write('RFB 003.008\n');
    const types = await r.read(await r.u8());
    const type = password === null ? 1 : 2;
    if (!types.includes(type)) throw new Error(`server offers ${[...types]}`);
    this.socket.write(Buffer.of(type));
    if (type === 2) this.socket.write(vncAuthResponse(password!, await r.read(16)));
    if ((await r.u32()) !== 0) throw new Error('security failed');
    this.socket.write(Buffer.of(1));
    await this.serverInit();
  }

  async serverInit(): Promise<void> {
    const r = this.reader;
    this.width = await r.u16();
    this.height = await r.u16();
    this.format = readPixelFormat(await r.read(16), 0);
    this.name = (await r.read(await r.u32())).toString('utf8');
    this.fb = Buffer.alloc(this.width * this.height * this.bpp);
  }

  get bpp(): number {
    return this.format.bitsPerPixel / 8;
  }

  setPixelFormat(format: PixelFormat): void {
    this.socket.write(Buffer.concat([Buffer.alloc(4), writePixelFormat(format)]));
    this.format = format;
    this.fb = Buffer.alloc(this.width * this.height * this.bpp);
  }

  setEncodings(encodings: number[]): void {
    const msg = Buffer.alloc(4 + 4 * encodings.length);
    msg[0] = 2;
    msg.writeUInt16BE(encodings.length, 2);
    encodings.forEach((e, i) => msg.writeInt32BE(e, 4 + 4 * i));
    this.socket.write(msg);
  }

  requestUpdate(incremental: boolean, rect: Rect = { x: 0, y: 0, width: this.width, height: this.height }): void {
    const msg = Buffer.alloc(10);
    msg[0] = 3;
    msg[1] = incremental ? 1 : 0;
    msg.writeUInt16BE(rect.x, 2);
    msg.writeUInt16BE(rect.y, 4);
    msg.writeUInt16BE(rect.width, 6);
    msg.writeUInt16BE(rect.height, 8);
    this.socket.write(msg);
  }

  /** Reads one FramebufferUpdate and applies it to `fb`. */
  async readUpdate(): Promise<ReceivedRect[]> {
    const r = this.reader;
    const type = await r.u8();
    if (type !== 0) throw new Error(`expected FramebufferUpdate, got message ${type}`);
    await r.read(1);
    const count = await r.u16();
    const rects: ReceivedRect[] = [];
    for (let i = 0; i < count; i++) {
      const rect = { x: await r.u16(), y: await r.u16(), width: await r.u16(), height: await r.u16() };
      const encoding = await r.s32();
      const before = this.received;
      await this.decode(rect, encoding);
      rects.push({ rect, encoding, bytes: 12 + this.received - before });
    }
    return rects;
  }

  /** Payload bytes read by decoders, for measuring encodings. */
  private received = 0;

  private async take(n: number): Promise<Buffer> {
    this.received += n;
    return this.reader.read(n);
  }

  private async decode(rect: Rect, encoding: number): Promise<void> {
    const size = rect.width * rect.height * this.bpp;
    switch (encoding) {
      case 0:
        return this.blit(rect, await this.take(size));
      case 1: {
        const src = await this.take(4);
        const copy = this.crop({ ...rect, x: src.readUInt16BE(0), y: src.readUInt16BE(2) });
        return this.blit(rect, copy);
      }
      case 6: {
        const length = (await this.take(4)).readUInt32BE();
        const pixels = await this.zlib.inflate(await this.take(length));
        if (pixels.length !== size) throw new Error(`zlib rect inflated to ${pixels.length}, want ${size}`);
        return this.blit(rect, pixels);
      }
      case 7:
        return this.blit(rect, await this.decodeTight(rect));
      case -223:
        this.width = rect.width;
        this.height = rect.height;
        this.fb = Buffer.alloc(this.width * this.height * this.bpp);
        return;
      default:
        throw new Error(`unexpected encoding ${encoding}`);
    }
  }

  private get packed24(): boolean {
    const f = this.format;
    return f.bitsPerPixel === 32 && f.depth === 24 && f.redMax === 255 && f.greenMax === 255 && f.blueMax === 255;
  }

  private get tpixelSize(): number {
    return this.packed24 ? 3 : this.bpp;
  }

  /** A TPIXEL as client-format pixel bytes. */
  private fromTight(t: Buffer): Buffer {
    if (!this.packed24) return Buffer.from(t);
    const f = this.format;
    const value = ((t[0]! << f.redShift) | (t[1]! << f.greenShift) | (t[2]! << f.blueShift)) >>> 0;
    const out = Buffer.alloc(4);
    if (f.bigEndian) out.writeUInt32BE(value);
    else out.writeUInt32LE(value);
    return out;
  }

  private async decodeTight(rect: Rect): Promise<Buffer> {
    const count = rect.width * rect.height;
    const ctl = (await this.take(1))[0]!;
    for (let i = 0; i < 4; i++) {
      if ((ctl >> i) & 1) {
        this.tight[i]!.close();
        this.tight[i] = new Inflater();
      }
    }
    const kind = ctl >> 4;
    if (kind === 8) {
      this.tightForms.add('fill');
      const pixel = this.fromTight(await this.take(this.tpixelSize));
      return Buffer.concat(new Array<Buffer>(count).fill(pixel));
    }
    if (kind & 8) throw new Error(`tight compression ${kind} not expected`);
    const stream = this.tight[kind & 3]!;
    const filter = kind & 4 ? (await this.take(1))[0]! : 0;
    if (filter === 0) {
      this.tightForms.add('full-colour');
      const data = await this.tightData(stream, count * this.tpixelSize);
      const out: Buffer[] = [];
      for (let i = 0; i < count; i++)
        out.push(this.fromTight(data.subarray(i * this.tpixelSize, (i + 1) * this.tpixelSize)));
      return Buffer.concat(out);
    }
    if (filter !== 1) throw new Error(`tight filter ${filter} not expected`);
    const colours = (await this.take(1))[0]! + 1;
    const palette: Buffer[] = [];
    for (let i = 0; i < colours; i++) palette.push(this.fromTight(await this.take(this.tpixelSize)));
    this.tightForms.add(colours <= 2 ? 'mono' : 'palette');
    const rowBytes = colours <= 2 ? (rect.width + 7) >> 3 : rect.width;
    const data = await this.tightData(stream, rowBytes * rect.height);
    const out: Buffer[] = [];
    for (let y = 0; y < rect.height; y++) {
      for (let x = 0; x < rect.width; x++) {
        const index = colours <= 2 ? (data[y * rowBytes + (x >> 3)]! >> (7 - (x & 7))) & 1 : data[y * rowBytes + x]!;
        out.push(palette[index]!);
      }
    }
    return Buffer.concat(out);
  }

  private async tightData(stream: Inflater, size: number): Promise<Buffer> {
    if (size < 12) return this.take(size);
    let length = 0;
    for (let shift = 0; shift <= 14; shift += 7) {
      const byte = (await this.take(1))[0]!;
      length |= (shift === 14 ? byte : byte & 0x7f) << shift;
      if (!(byte & 0x80)) break;
    }
    const data = await stream.inflate(await this.take(length));
    if (data.length !== size) throw new Error(`tight data inflated to ${data.length}, want ${size}`);
    return data;
  }

  private blit(rect: Rect, pixels: Buffer): void {
    const bpp = this.bpp;
    for (let row = 0; row < rect.height; row++) {
      pixels.copy(
        this.fb,
        ((rect.y + row) * this.width + rect.x) * bpp,
        row * rect.width * bpp,
        (row + 1) * rect.width * bpp,
      );
    }
  }

  /** Whether the client's framebuffer holds exactly the screen, in the client's format. */
  shows(screen: FakeScreen): boolean {
    return this.fb.equals(
      translateRect(screen, { x: 0, y: 0, width: screen.width, height: screen.height }, this.format),
    );
  }

  crop(rect: Rect): Buffer {
    const bpp = this.bpp;
    const out = Buffer.alloc(rect.width * rect.height * bpp);
    for (let row = 0; row < rect.height; row++) {
      this.fb.copy(
        out,
        row * rect.width * bpp,
        ((rect.y + row) * this.width + rect.x) * bpp,
        ((rect.y + row) * this.width + rect.x + rect.width) * bpp,
      );
    }
    return out;
  }

  close(): void {
    this.zlib.close();
    for (const t of this.tight) t.close();
    this.socket.destroy();
  }
}

/** A server on a random port for `screen` and one client past the handshake, both closed after the test. */
export async function openSession(
  t: TestContext,
  screen: FakeScreen,
  extra: Partial<RfbServerOptions> = {},
): Promise<{ server: TestServer; client: TestClient }> {
  const server = await startServer({ screen, input: nullInput, name: 'test', password: () => null, ...extra });
  const client = await TestClient.open(server.port);
  t.after(async () => {
    client.close();
    await server.close();
  });
  return { server, client };
}
