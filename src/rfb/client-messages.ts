import type { Rect } from './framebuffer.js';
import { type PixelFormat, readPixelFormat } from './pixel-format.js';

/** Client-to-server message types of RFC 6143 section 7.5. */
export const ClientMessageType = {
  SetPixelFormat: 0,
  SetEncodings: 2,
  FramebufferUpdateRequest: 3,
  KeyEvent: 4,
  PointerEvent: 5,
  ClientCutText: 6,
} as const;

export type ClientMessage =
  | { type: 'setPixelFormat'; format: PixelFormat }
  | { type: 'setEncodings'; encodings: number[] }
  | { type: 'updateRequest'; incremental: boolean; rect: Rect }
  | { type: 'key'; down: boolean; keysym: number }
  | { type: 'pointer'; buttonMask: number; x: number; y: number }
  | { type: 'cutText'; text: Buffer };

/**
 * Size in bytes of the standard message starting at buf[at]: `undefined` while too little of its
 * header has arrived to tell, `null` for a type RFC 6143 does not define (RFB has no framing, so
 * an unknown type leaves the rest of the stream unreadable). ClientCutText's length is read as
 * signed because the extended-clipboard extension sends the payload size negated.
 */
export function standardMessageSize(buf: Buffer, at: number): number | null | undefined {
  if (buf.length <= at) return undefined;
  switch (buf[at]) {
    case ClientMessageType.SetPixelFormat:
      return 20;
    case ClientMessageType.SetEncodings:
      return buf.length < at + 4 ? undefined : 4 + 4 * buf.readUInt16BE(at + 2);
    case ClientMessageType.FramebufferUpdateRequest:
      return 10;
    case ClientMessageType.KeyEvent:
      return 8;
    case ClientMessageType.PointerEvent:
      return 6;
    case ClientMessageType.ClientCutText:
      return buf.length < at + 8 ? undefined : 8 + Math.abs(buf.readInt32BE(at + 4));
    default:
      return null;
  }
}

export type ReadResult = { message: ClientMessage; size: number } | { incomplete: true } | { error: string };

/** Decodes the message at buf[at] for a server that announced no extensions. */
export function readClientMessage(buf: Buffer, at: number, maxCutText: number): ReadResult {
  const type = buf[at];
  if (type === ClientMessageType.ClientCutText && buf.length >= at + 8) {
    // Checked before waiting for the payload so a huge announced length never gets buffered.
    const length = buf.readInt32BE(at + 4);
    if (length < 0) return { error: 'extended clipboard was not offered' };
    if (length > maxCutText) return { error: `ClientCutText of ${length} bytes` };
  }
  const size = standardMessageSize(buf, at);
  if (size === null) return { error: `unknown message type ${type}` };
  if (size === undefined || buf.length < at + size) return { incomplete: true };
  const message = decode(buf.subarray(at, at + size));
  return { message, size };
}

function decode(m: Buffer): ClientMessage {
  switch (m[0]) {
    case ClientMessageType.SetPixelFormat:
      return { type: 'setPixelFormat', format: readPixelFormat(m, 4) };
    case ClientMessageType.SetEncodings: {
      const encodings: number[] = [];
      for (let at = 4; at < m.length; at += 4) encodings.push(m.readInt32BE(at));
      return { type: 'setEncodings', encodings };
    }
    case ClientMessageType.FramebufferUpdateRequest:
      return {
        type: 'updateRequest',
        incremental: m[1] !== 0,
        rect: { x: m.readUInt16BE(2), y: m.readUInt16BE(4), width: m.readUInt16BE(6), height: m.readUInt16BE(8) },
      };
    case ClientMessageType.KeyEvent:
      return { type: 'key', down: m[1] !== 0, keysym: m.readUInt32BE(4) };
    case ClientMessageType.PointerEvent:
      return { type: 'pointer', buttonMask: m[1]!, x: m.readUInt16BE(2), y: m.readUInt16BE(4) };
    default:
      return { type: 'cutText', text: Buffer.from(m.subarray(8)) };
  }
}
