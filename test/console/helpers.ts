import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket, createWebSocketStream } from 'ws';
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../src/compute/sim/font/font.js';
import { vncAuthResponse } from '../../src/rfb/vnc-auth.js';
import { $Ecs, type EcsClient, REGION, runningInstance } from '../helpers/aliyun.js';
import { openecs, type TestServer, until } from '../helpers/server.js';

/** DescribeInstanceVncUrl through the official SDK; returns VncUrl as given and decoded. */
export async function describeVncUrl(
  ecs: EcsClient,
  instanceId: string,
  regionId = REGION,
): Promise<{ raw: string; url: string }> {
  const answer = await ecs.describeInstanceVncUrl(new $Ecs.DescribeInstanceVncUrlRequest({ regionId, instanceId }));
  const raw = answer.body!.vncUrl!;
  return { raw, url: decodeURIComponent(raw) };
}

/** A Running instance whose guest has booted (consoles need the login prompt up). */
export async function readyInstance(
  ecs: EcsClient,
  extra: Parameters<typeof runningInstance>[1] = {},
): Promise<string> {
  const { instanceId } = await runningInstance(ecs, extra);
  await until(async () => {
    try {
      await describeVncUrl(ecs, instanceId);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'InstanceNotReady') throw error;
      return false;
    }
  }, `${instanceId} to boot`);
  return instanceId;
}

export interface Refusal {
  status: number;
  code: string | undefined;
  body: string;
}

/** An open gateway WebSocket and what it received before anyone listened. */
export interface Opened {
  ws: WebSocket;
  early: Buffer[];
  stopCollecting: () => void;
}

/** Opens a WebSocket to the gateway: the open socket, or the HTTP answer that refused the upgrade. */
export function openWs(url: string): Promise<Opened | { refused: Refusal }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    // The server speaks first (RFB's version string), possibly before the caller attaches.
    const early: Buffer[] = [];
    const collect = (data: Buffer) => early.push(data);
    ws.on('message', collect);
    ws.once('open', () => resolve({ ws, early, stopCollecting: () => ws.off('message', collect) }));
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({
          refused: {
            status: response.statusCode ?? 0,
            code: response.headers['x-console-refused'] as string | undefined,
            body,
          },
        }),
      );
    });
    ws.once('error', reject);
  });
}

export async function expectRefused(url: string): Promise<Refusal> {
  const result = await openWs(url);
  if ('ws' in result) {
    result.ws.terminate();
    throw new Error('the gateway accepted a connection it should have refused');
  }
  return result.refused;
}

/**
 * A minimal RFB 3.8 viewer over the gateway's WebSocket: handshake, key events, update requests,
 * and the close the gateway ends it with.
 */
export class WsViewer {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string; at: number }>;
  width = 0;
  height = 0;
  name = '';

  readonly ws: WebSocket;

  constructor(opened: Opened) {
    const ws = (this.ws = opened.ws);
    opened.stopCollecting();
    this.buffered = Buffer.concat(opened.early);
    ws.on('message', (data: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, data]);
      this.wake?.();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        this.wake?.();
        resolve({ code, reason: reason.toString(), at: Date.now() });
      }),
    );
  }

  static async open(url: string, password: string | null): Promise<WsViewer> {
    const result = await openWs(url);
    if ('refused' in result) throw new Error(`refused: ${result.refused.status} ${result.refused.body}`);
    const viewer = new WsViewer(result);
    await viewer.handshake(password);
    return viewer;
  }

  async read(n: number): Promise<Buffer> {
    while (this.buffered.length < n) {
      if (this.ws.readyState >= WebSocket.CLOSING) throw new Error(`closed while waiting for ${n} bytes`);
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Drops what the server sent so far (framebuffer updates this viewer does not decode). */
  discard(): void {
    this.buffered = Buffer.alloc(0);
  }

  async handshake(password: string | null): Promise<void> {
    await this.read(12);
    this.ws.send(Buffer.from('RFB 003.008\n'));
    const types = await this.read((await this.read(1))[0]!);
    const type = password === null ? 1 : 2;
    if (!types.includes(type)) throw new Error(`server offers security types ${[...types]}`);
    this.ws.send(Buffer.of(type));
    if (type === 2) this.ws.send(vncAuthResponse(password!, await this.read(16)));
    const result = (await this.read(4)).readUInt32BE();
    if (result !== 0) throw new Error('VNC authentication failed');
    this.ws.send(Buffer.of(1));
    this.width = (await this.read(2)).readUInt16BE();
    this.height = (await this.read(2)).readUInt16BE();
    await this.read(16);
    this.name = (await this.read((await this.read(4)).readUInt32BE())).toString();
  }

  key(keysym: number): void {
    const message = (down: boolean) => {
      const m = Buffer.alloc(8);
      m[0] = 4;
      m[1] = down ? 1 : 0;
      m.writeUInt32BE(keysym, 4);
      return m;
    };
    this.ws.send(Buffer.concat([message(true), message(false)]));
  }

  updateRequest(incremental = true): void {
    const m = Buffer.alloc(10);
    m[0] = 3;
    m[1] = incremental ? 1 : 0;
    m.writeUInt16BE(this.width, 6);
    m.writeUInt16BE(this.height, 8);
    this.ws.send(m);
  }
}

/** Keysym of Shift_L: a key event the guest ignores, so it can be pressed any number of times. */
export const SHIFT_L = 0xffe1;

/**
 * A local TCP port that stands for the instance's VNC endpoint: each TCP connection gets a
 * fresh VncUrl (through the SDK) and is piped to the gateway's WebSocket. Lets stock VNC
 * clients, which speak plain TCP, go through the real server.
 */
export async function tcpBridge(
  issueUrl: () => Promise<string>,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.pause();
    issueUrl().then(
      (url) => {
        const stream = createWebSocketStream(new WebSocket(url));
        stream.on('error', () => socket.destroy());
        socket.on('close', () => stream.destroy());
        stream.on('close', () => socket.destroy());
        socket.pipe(stream).pipe(socket);
        socket.resume();
      },
      () => socket.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface AuditEntry {
  action: string;
  outcome: string;
  sourceIp: string;
  accountId: string | null;
  accessKeyId: string | null;
  requestId: string;
  detail: string | null;
  dialect: string;
}

/** The instance's audit trail, as an operator reads it (`openecs audit --json`). */
export async function auditOf(server: TestServer, instanceId: string): Promise<AuditEntry[]> {
  const { code, stdout, stderr } = await openecs([
    'audit',
    '--instance',
    instanceId,
    '--json',
    '--data-dir',
    server.dataDir,
  ]);
  if (code !== 0) throw new Error(`openecs audit failed: ${stderr}`);
  return JSON.parse(stdout) as AuditEntry[];
}

/** Waits until the audit trail has a record of `action` whose detail (or outcome) matches. */
export function auditRecord(
  server: TestServer,
  instanceId: string,
  action: string,
  match: RegExp,
): Promise<AuditEntry> {
  return until(
    async () =>
      (await auditOf(server, instanceId)).find(
        (r) => r.action === action && match.test(`${r.outcome} ${r.detail ?? ''}`),
      ),
    `audit ${action} ${match}`,
  );
}

const GLYPHS = new Map<string, string>();
for (let code = 0x20; code < 0x7f; code++) {
  const key = Buffer.from(glyph(code)).toString('hex');
  if (!GLYPHS.has(key)) GLYPHS.set(key, String.fromCharCode(code));
}

/**
 * Reads a 640x400 text console off pixels, cell by cell, against the VGA font the simulated
 * guest draws with: a pixel is "on" when it is brighter than the black background. A cell that
 * matches no printable glyph (the cursor, box drawing) reads as '#'. Pixels are given as
 * `pixel(x, y) -> [r, g, b]`, so any client's buffer can be read.
 */
export function screenText(
  width: number,
  height: number,
  pixel: (x: number, y: number) => [number, number, number],
): string {
  const lines: string[] = [];
  for (let row = 0; row < Math.floor(height / GLYPH_HEIGHT); row++) {
    let line = '';
    for (let col = 0; col < Math.floor(width / GLYPH_WIDTH); col++) {
      const bits = Buffer.alloc(GLYPH_HEIGHT);
      for (let y = 0; y < GLYPH_HEIGHT; y++) {
        for (let x = 0; x < GLYPH_WIDTH; x++) {
          const [r, g, b] = pixel(col * GLYPH_WIDTH + x, row * GLYPH_HEIGHT + y);
          if (Math.max(r, g, b) > 0x40) bits[y]! |= 0x80 >> x;
        }
      }
      line += GLYPHS.get(bits.toString('hex')) ?? '#';
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** screenText of a tightly packed buffer with `bpp` bytes per pixel and R, G, B at the given byte offsets. */
export function bufferText(
  buffer: Buffer | Uint8Array,
  width: number,
  height: number,
  bpp: number,
  [r, g, b]: [number, number, number],
): string {
  return screenText(width, height, (x, y) => {
    const at = (y * width + x) * bpp;
    return [buffer[at + r]!, buffer[at + g]!, buffer[at + b]!];
  });
}
