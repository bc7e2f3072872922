import type { RectEncoder } from './encoders/encoder.js';
import { RawEncoder } from './encoders/raw.js';
import { TightEncoder } from './encoders/tight.js';
import { ZlibEncoder } from './encoders/zlib.js';
import { Encoding } from './protocol.js';

/** Pixel encodings this server can produce; Raw is the one every client must accept. */
const ENCODERS: ReadonlyMap<number, () => RectEncoder> = new Map<number, () => RectEncoder>([
  [Encoding.Tight, () => new TightEncoder()],
  [Encoding.Zlib, () => new ZlibEncoder()],
  [Encoding.Raw, () => new RawEncoder()],
]);

export interface ClientCapabilities {
  /** The pixel encoding to use: the first one in the client's list that we support. */
  encoding: number;
  copyRect: boolean;
  desktopSize: boolean;
}

/** Reads a SetEncodings list, which RFC 6143 orders by the client's preference. */
export function clientCapabilities(encodings: readonly number[]): ClientCapabilities {
  return {
    encoding: encodings.find((e) => ENCODERS.has(e)) ?? Encoding.Raw,
    copyRect: encodings.includes(Encoding.CopyRect),
    desktopSize: encodings.includes(Encoding.DesktopSize),
  };
}

export function createEncoder(encoding: number): RectEncoder {
  return (ENCODERS.get(encoding) ?? ENCODERS.get(Encoding.Raw)!)();
}
