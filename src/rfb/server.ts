import type { Duplex } from 'node:stream';
import { type ClientMessage, readClientMessage } from './client-messages.js';
import { encodeCopyRect } from './encoders/copyrect.js';
import { type RectEncoder, rectHeader } from './encoders/encoder.js';
import { type ClientCapabilities, clientCapabilities, createEncoder } from './encodings.js';
import type { FramebufferSource, InputSink, Rect } from './framebuffer.js';
import {
  DEFAULT_FORMAT,
  type PixelFormat,
  translateRect,
  unsupportedReason,
  writePixelFormat,
} from './pixel-format.js';
import { Encoding, type ProtocolMinor, SERVER_VERSION, SecurityType, parseClientVersion } from './protocol.js';
import { Region, boundingBox, intersect, isEmpty } from './region.js';
import { CHALLENGE_SIZE, checkVncAuth, newChallenge } from './vnc-auth.js';

export interface RfbServerOptions {
  screen: FramebufferSource;
  input: InputSink;
  /** Desktop name sent in ServerInit. */
  name: string;
  /** The current VNC password, read at each handshake; null means security type None. */
  password: () => string | null;
  /** Longest ClientCutText accepted; a longer one closes the connection. Default 1 MiB. */
  maxCutText?: number;
  /**
   * Subscribes to moves of screen content (a scroll): `listener(dest, srcX, srcY)` says the pixels
   * now in `dest` were at (srcX, srcY) just before. Clients that accept CopyRect then get a copy
   * instead of the pixels. A source reporting a move must not report `dest` as damage too.
   */
  moves?: (listener: (dest: Rect, srcX: number, srcY: number) => void) => () => void;
}

export interface RfbConnection {
  /** Closes the connection. */
  close(): void;
  readonly closed: Promise<void>;
}

/**
 * Serves one viewer on `socket` (TCP, or a WebSocket relay's stream): handshake (RFB 3.3, 3.7 or
 * 3.8; VNC Authentication or None), then FramebufferUpdates on request in the encoding the client
 * prefers (Tight, Zlib or Raw), with input passed to `options.input`. Never throws on bad bytes:
 * a protocol violation closes this connection.
 */
export function serveRfb(socket: Duplex, options: RfbServerOptions): RfbConnection {
  return new RfbSession(socket, options);
}

const DEFAULT_MAX_CUT_TEXT = 1 << 20;
/** Moves kept for one update; beyond this a move is sent as pixels, which is always correct. */
const MAX_PENDING_MOVES = 16;
const AUTH_FAILED = 'Authentication failed';

type State = 'version' | 'security' | 'auth' | 'clientInit' | 'normal' | 'closing';

interface Move {
  dest: Rect;
  srcX: number;
  srcY: number;
}

class RfbSession implements RfbConnection {
  readonly closed: Promise<void>;
  private state: State = 'version';
  private inbox: Buffer = Buffer.alloc(0);
  private minor: ProtocolMinor = 8;
  private password: string | null = null;
  private challenge: Buffer = Buffer.alloc(0);
  private format: PixelFormat = DEFAULT_FORMAT;
  private capabilities: ClientCapabilities = clientCapabilities([]);
  private readonly encoders = new Map<number, RectEncoder>();
  /** Pixels the client will show wrongly once it has applied `moves`. */
  private readonly damage = new Region();
  private moves: Move[] = [];
  private request: { incremental: boolean; area: Rect } | null = null;
  /** The framebuffer size the client was last told. */
  private width: number;
  private height: number;
  private sending = false;
  private unsubscribers: (() => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    private readonly options: RfbServerOptions,
  ) {
    this.width = options.screen.width;
    this.height = options.screen.height;
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.once('close', () => this.shutdown(false));
    socket.on('error', () => this.shutdown(false));
    socket.on('end', () => this.shutdown(false));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.write(SERVER_VERSION, 'latin1');
  }

  close(): void {
    this.shutdown(false);
  }

  /** A method so TypeScript does not narrow `state` across calls that may close the session. */
  private isClosing(): boolean {
    return this.state === 'closing';
  }

  private shutdown(graceful: boolean): void {
    if (this.state === 'closing') return;
    this.state = 'closing';
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    for (const encoder of this.encoders.values()) encoder.close();
    // Graceful: let a failure reason reach the client before the socket goes.
    if (graceful) this.socket.end(() => this.socket.destroy());
    else this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closing') return;
    this.inbox = this.inbox.length === 0 ? chunk : Buffer.concat([this.inbox, chunk]);
    try {
      let at = 0;
      for (let used = 1; used > 0 && !this.isClosing(); at += used) {
        used = this.step(this.inbox.subarray(at));
      }
      this.inbox = this.inbox.subarray(at);
      this.pump();
    } catch {
      // Bytes from the network or a throwing input sink must never take the process down.
      this.shutdown(false);
    }
  }

  /** Handles what `buf` starts with; returns the bytes used, 0 when more are needed. */
  private step(buf: Buffer): number {
    switch (this.state) {
      case 'version':
        return buf.length < 12 ? 0 : (this.onVersion(buf.subarray(0, 12)), 12);
      case 'security':
        return buf.length < 1 ? 0 : (this.onSecurityType(buf[0]!), 1);
      case 'auth':
        return buf.length < CHALLENGE_SIZE ? 0 : (this.onAuthResponse(buf.subarray(0, CHALLENGE_SIZE)), CHALLENGE_SIZE);
      case 'clientInit':
        return buf.length < 1 ? 0 : (this.onClientInit(), 1);
      case 'normal': {
        const result = readClientMessage(buf, 0, this.options.maxCutText ?? DEFAULT_MAX_CUT_TEXT);
        if ('error' in result) {
          this.shutdown(false);
          return 0;
        }
        if ('incomplete' in result) return 0;
        this.onMessage(result.message);
        return result.size;
      }
      case 'closing':
        return 0;
    }
  }

  private onVersion(bytes: Buffer): void {
    const minor = parseClientVersion(bytes);
    if (minor === null) return this.shutdown(false);
    this.minor = minor;
    this.password = this.options.password();
    const type = this.password === null ? SecurityType.None : SecurityType.VncAuth;
    if (minor === 3) {
      // 3.3 has no negotiation: the server names the type and the client must follow.
      this.socket.write(u32(type));
      if (type === SecurityType.VncAuth) this.sendChallenge();
      else this.state = 'clientInit';
    } else {
      this.socket.write(Buffer.of(1, type));
      this.state = 'security';
    }
  }

  private onSecurityType(type: number): void {
    const offered = this.password === null ? SecurityType.None : SecurityType.VncAuth;
    if (type !== offered) return this.failSecurity();
    if (type === SecurityType.VncAuth) return this.sendChallenge();
    // Only 3.8 confirms security type None with a SecurityResult.
    if (this.minor === 8) this.socket.write(u32(0));
    this.state = 'clientInit';
  }

  private sendChallenge(): void {
    this.challenge = newChallenge();
    this.socket.write(this.challenge);
    this.state = 'auth';
  }

  private onAuthResponse(response: Buffer): void {
    if (this.password === null || !checkVncAuth(this.password, this.challenge, response)) {
      return this.failSecurity();
    }
    this.socket.write(u32(0));
    this.state = 'clientInit';
  }

  private failSecurity(): void {
    const reason = Buffer.from(AUTH_FAILED);
    this.socket.write(this.minor === 8 ? Buffer.concat([u32(1), u32(reason.length), reason]) : u32(1));
    this.shutdown(true);
  }

  private onClientInit(): void {
    const { screen } = this.options;
    const name = Buffer.from(this.options.name, 'utf8');
    const size = Buffer.alloc(4);
    size.writeUInt16BE(this.width, 0);
    size.writeUInt16BE(this.height, 2);
    this.socket.write(Buffer.concat([size, writePixelFormat(this.format), u32(name.length), name]));
    this.state = 'normal';
    // A client's first request is normally non-incremental; if it is not, it still gets a screen.
    this.damage.add({ x: 0, y: 0, width: this.width, height: this.height });
    this.unsubscribers.push(
      screen.onDamage((rects) => {
        for (const rect of rects) this.damage.add(rect);
        this.pump();
      }),
    );
    if (this.options.moves) {
      this.unsubscribers.push(this.options.moves((dest, srcX, srcY) => this.onMove({ dest, srcX, srcY })));
    }
  }

  private onMessage(message: ClientMessage): void {
    switch (message.type) {
      case 'setPixelFormat':
        if (unsupportedReason(message.format) !== null) return this.shutdown(false);
        this.format = message.format;
        return;
      case 'setEncodings':
        this.capabilities = clientCapabilities(message.encodings);
        if (!this.capabilities.copyRect && this.moves.length > 0) {
          // Pending moves were folded into the damage; without them the client needs everything.
          this.moves = [];
          this.damage.add({ x: 0, y: 0, width: this.width, height: this.height });
        }
        return;
      case 'updateRequest': {
        const previous = this.request;
        this.request = {
          incremental: message.incremental && (previous?.incremental ?? true),
          area: previous ? boundingBox(previous.area, message.rect) : message.rect,
        };
        return;
      }
      case 'key':
        return this.options.input.keyEvent(message.down, message.keysym);
      case 'pointer':
        return this.options.input.pointerEvent(message.buttonMask, message.x, message.y);
      case 'cutText':
        // The InputSink has no clipboard; the text was bounded by maxCutText and is dropped.
        return;
    }
  }

  private onMove(move: Move): void {
    if (this.state !== 'normal') return;
    const screen = { x: 0, y: 0, width: this.width, height: this.height };
    const src = { ...move.dest, x: move.srcX, y: move.srcY };
    const fits =
      !isEmpty(move.dest) && sameRect(intersect(move.dest, screen), move.dest) && sameRect(intersect(src, screen), src);
    if (!this.capabilities.copyRect || !fits || this.moves.length >= MAX_PENDING_MOVES) {
      this.damage.add(move.dest);
    } else {
      // The client copies what it will have by then, so damage inside the source travels along.
      const dx = move.dest.x - move.srcX;
      const dy = move.dest.y - move.srcY;
      const carried = this.damage.within(src).map((r) => ({ ...r, x: r.x + dx, y: r.y + dy }));
      this.damage.subtract(move.dest);
      for (const rect of carried) this.damage.add(rect);
      this.moves.push(move);
    }
    this.pump();
  }

  /** Sends an update if one is requested, due, and the socket is not backed up. */
  private pump(): void {
    if (this.state !== 'normal' || this.sending || !this.request || this.socket.writableNeedDrain) return;
    const { screen } = this.options;
    if ((screen.width !== this.width || screen.height !== this.height) && this.capabilities.desktopSize) {
      this.resize();
      return;
    }
    // Without DesktopSize the client keeps its size; show what both sizes share.
    const visible = intersect(
      { x: 0, y: 0, width: this.width, height: this.height },
      { x: 0, y: 0, width: screen.width, height: screen.height },
    );
    const area = intersect(this.request.area, visible);
    let rects: Rect[];
    if (this.request.incremental) {
      rects = this.damage.take(area);
      if (rects.length === 0 && this.moves.length === 0) return;
    } else {
      rects = isEmpty(area) ? [] : [area];
      this.damage.subtract(area);
    }
    const moves = this.moves;
    this.moves = [];
    this.request = null;
    this.sending = true;
    this.sendUpdate(moves, rects).then(
      () => {
        this.sending = false;
        this.pump();
      },
      () => this.shutdown(false),
    );
  }

  private resize(): void {
    this.width = this.options.screen.width;
    this.height = this.options.screen.height;
    this.moves = [];
    this.request = null;
    const full = { x: 0, y: 0, width: this.width, height: this.height };
    this.damage.clear();
    this.damage.add(full);
    this.write([updateHeader(1), rectHeader(full, Encoding.DesktopSize)]);
  }

  private async sendUpdate(moves: Move[], rects: Rect[]): Promise<void> {
    const format = this.format;
    // Pixels are copied now, synchronously: damage arriving while we compress belongs to the next update.
    const snapshots = rects.map((rect) => ({ rect, pixels: translateRect(this.options.screen, rect, format) }));
    const encoder = this.encoder(this.capabilities.encoding);
    const parts = moves.map((m) => encodeCopyRect(m.dest, m.srcX, m.srcY));
    for (const { rect, pixels } of snapshots) parts.push(...(await encoder.encode(rect, pixels, format)));
    if (this.state !== 'normal') return;
    this.write([updateHeader(parts.length), ...parts]);
  }

  private write(parts: Buffer[]): void {
    if (!this.socket.write(Buffer.concat(parts))) this.socket.once('drain', () => this.pump());
  }

  private encoder(encoding: number): RectEncoder {
    let encoder = this.encoders.get(encoding);
    if (!encoder) {
      encoder = createEncoder(encoding);
      this.encoders.set(encoding, encoder);
    }
    return encoder;
  }
}

function u32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value);
  return buf;
}

function updateHeader(rectangles: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(rectangles, 2);
  return buf;
}

function sameRect(a: Rect, b: Rect): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}
