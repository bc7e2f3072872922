/** Wire constants and the parts of the handshake both the server and the stream watcher need. */

export const SERVER_VERSION = 'RFB 003.008\n';

export const SecurityType = { None: 1, VncAuth: 2 } as const;

export const Encoding = {
  Raw: 0,
  CopyRect: 1,
  Zlib: 6,
  Tight: 7,
  DesktopSize: -223,
} as const;

/** Minor protocol version the rest of the handshake follows: 3.3, 3.7 or 3.8. */
export type ProtocolMinor = 3 | 7 | 8;

/**
 * Reads a client's 12-byte ProtocolVersion. RFC 6143 says versions other than 3.3/3.7/3.8 must be
 * treated as 3.3 (they lack the 3.7 handshake); a newer one (Apple's 3.889) is treated as 3.8,
 * the highest we offer. Returns null when the bytes are not a version string at all.
 */
export function parseClientVersion(bytes: Buffer): ProtocolMinor | null {
  const match = /^RFB (\d{3})\.(\d{3})\n$/.exec(bytes.toString('latin1'));
  if (!match) return null;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== 3) return major > 3 ? 8 : null;
  if (minor >= 8) return 8;
  return minor === 7 ? 7 : 3;
}
