import { ClientMessageType, standardMessageSize } from './client-messages.js';
import { type ProtocolMinor, SecurityType, parseClientVersion } from './protocol.js';

/** Messages that mean a person is at the keyboard or mouse. */
export type InputKind = 'key' | 'pointer' | 'clipboard';

/** Every other message a client may send, including the extensions noVNC uses once offered. */
export type OtherKind =
  'setPixelFormat' | 'setEncodings' | 'updateRequest' | 'enableContinuousUpdates' | 'fence' | 'setDesktopSize' | 'xvp';

export interface ClientStreamEvents {
  /** A complete KeyEvent (or QEMU extended key event), PointerEvent or ClientCutText. */
  input?(kind: InputKind): void;
  other?(kind: OtherKind): void;
  /** The stream cannot be followed any further; called once, after which all bytes are ignored. */
  error?(reason: string): void;
}

/** Extension message types; each is only sent after the server announced it, but has fixed framing. */
const Extension = {
  EnableContinuousUpdates: 150,
  ClientFence: 248,
  Xvp: 250,
  SetDesktopSize: 251,
  Qemu: 255,
} as const;
const QEMU_EXTENDED_KEY = 0;

/**
 * RFB 3.3 lets the server pick the security type, which decides whether the client's next bytes
 * are a 16-byte auth response. Clients cannot act before seeing it, so a few early bytes are
 * plenty; more means the stream is not RFB.
 */
const MAX_EARLY_BYTES = 64;
/** The server's version string and, in 3.3, its u32 security type. */
const SERVER_PREFIX = 16;

type Phase = 'version' | 'awaitServerType' | 'securityType' | 'auth' | 'clientInit' | 'messages' | 'failed';

/**
 * Follows an RFB client->server byte stream without altering or holding it, for a relay that
 * must notice user input. Feed it the bytes in order, split anywhere: `fromClient` for what the
 * client sent, and `fromServer` for what the server sent (only its first 16 bytes are read, for
 * 3.3, where the server alone picks the security type). Payloads are counted, not buffered.
 * Handshakes other than None and VNC Authentication cannot be followed and are reported as errors.
 * PointerEvent is taken as 6 bytes: the ExtendedMouseButtons variant needs a server announcement
 * that neither our server nor QEMU 7.2 makes.
 */
export class ClientStreamParser {
  private phase: Phase = 'version';
  /** The version string, then each message's header until its size is known (9 bytes at most). */
  private readonly head = Buffer.alloc(12);
  private headLength = 0;
  private remaining = 0;
  private kind: InputKind | OtherKind | null = null;
  private early: Buffer[] = [];
  private earlyLength = 0;
  private serverPrefix = Buffer.alloc(0);

  constructor(private readonly events: ClientStreamEvents = {}) {}

  get failed(): boolean {
    return this.phase === 'failed';
  }

  fromServer(chunk: Buffer): void {
    if (this.serverPrefix.length >= SERVER_PREFIX) return;
    this.serverPrefix = Buffer.concat([this.serverPrefix, chunk.subarray(0, SERVER_PREFIX - this.serverPrefix.length)]);
    if (this.phase === 'awaitServerType') this.useServerType();
  }

  fromClient(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && this.phase !== 'failed') {
      switch (this.phase) {
        case 'version': {
          at += this.fillHead(chunk, at, 12);
          if (this.headLength < 12) break;
          const minor = parseClientVersion(this.head);
          this.headLength = 0;
          if (minor === null) return this.fail('not an RFB protocol version');
          this.afterVersion(minor);
          break;
        }
        case 'awaitServerType':
          this.early.push(chunk.subarray(at));
          this.earlyLength += chunk.length - at;
          if (this.earlyLength > MAX_EARLY_BYTES) this.fail('client data before the server chose security');
          return;
        case 'securityType':
          this.afterSecurityType(chunk[at++]!);
          break;
        case 'auth': {
          const used = Math.min(this.remaining, chunk.length - at);
          at += used;
          this.remaining -= used;
          if (this.remaining === 0) this.phase = 'clientInit';
          break;
        }
        case 'clientInit':
          at++;
          this.phase = 'messages';
          break;
        case 'messages':
          at += this.message(chunk, at);
          break;
      }
    }
  }

  private afterVersion(minor: ProtocolMinor): void {
    if (minor !== 3) {
      this.phase = 'securityType';
      return;
    }
    this.phase = 'awaitServerType';
    this.useServerType();
  }

  private useServerType(): void {
    if (this.serverPrefix.length < SERVER_PREFIX) return;
    const type = this.serverPrefix.readUInt32BE(12);
    if (type === 0) return this.fail('the server refused the connection');
    this.afterSecurityType(type);
    const early = Buffer.concat(this.early);
    this.early = [];
    if (early.length > 0) this.fromClient(early);
  }

  private afterSecurityType(type: number): void {
    if (type === SecurityType.None) {
      this.phase = 'clientInit';
    } else if (type === SecurityType.VncAuth) {
      this.phase = 'auth';
      this.remaining = 16;
    } else {
      this.fail(`security type ${type} cannot be followed`);
    }
  }

  /** Consumes part of one client message from chunk[at]; returns the bytes used. */
  private message(chunk: Buffer, at: number): number {
    let used = 0;
    if (this.kind === null) {
      // Header bytes one at a time until the message's size is known, then count the rest.
      while (at + used < chunk.length) {
        this.head[this.headLength++] = chunk[at + used++]!;
        const header = this.head.subarray(0, this.headLength);
        const size = messageSize(header);
        if (size === null) {
          this.fail(`unknown message type ${header[0]}`);
          return used;
        }
        if (size !== undefined) {
          this.kind = classify(header);
          this.remaining = size - this.headLength;
          this.headLength = 0;
          break;
        }
      }
      if (this.kind === null) return used;
    }
    const payload = Math.min(this.remaining, chunk.length - at - used);
    this.remaining -= payload;
    used += payload;
    if (this.remaining === 0) {
      const kind = this.kind;
      this.kind = null;
      if (kind === 'key' || kind === 'pointer' || kind === 'clipboard') this.events.input?.(kind);
      else this.events.other?.(kind);
    }
    return used;
  }

  private fillHead(chunk: Buffer, at: number, size: number): number {
    const used = Math.min(size - this.headLength, chunk.length - at);
    chunk.copy(this.head, this.headLength, at, at + used);
    this.headLength += used;
    return used;
  }

  private fail(reason: string): void {
    this.phase = 'failed';
    this.early = [];
    this.events.error?.(reason);
  }
}

/** Like standardMessageSize, plus the extensions' framings. */
function messageSize(head: Buffer): number | null | undefined {
  switch (head[0]) {
    case Extension.EnableContinuousUpdates:
      return 10;
    case Extension.ClientFence:
      return head.length < 9 ? undefined : 9 + head[8]!;
    case Extension.Xvp:
      return 4;
    case Extension.SetDesktopSize:
      return head.length < 7 ? undefined : 8 + 16 * head[6]!;
    case Extension.Qemu:
      if (head.length < 2) return undefined;
      return head[1] === QEMU_EXTENDED_KEY ? 12 : null;
    default:
      return standardMessageSize(head, 0);
  }
}

function classify(head: Buffer): InputKind | OtherKind {
  switch (head[0]) {
    case ClientMessageType.SetPixelFormat:
      return 'setPixelFormat';
    case ClientMessageType.SetEncodings:
      return 'setEncodings';
    case ClientMessageType.FramebufferUpdateRequest:
      return 'updateRequest';
    case ClientMessageType.KeyEvent:
    case Extension.Qemu:
      return 'key';
    case ClientMessageType.PointerEvent:
      return 'pointer';
    case ClientMessageType.ClientCutText:
      return 'clipboard';
    case Extension.EnableContinuousUpdates:
      return 'enableContinuousUpdates';
    case Extension.ClientFence:
      return 'fence';
    case Extension.SetDesktopSize:
      return 'setDesktopSize';
    default:
      return 'xvp';
  }
}
