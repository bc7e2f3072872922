import { bufferText, WsViewer } from '../console/helpers.js';
import { until } from './server.js';

const XK_RETURN = 0xff0d;
const BYTES_PER_PIXEL = 4;
/** The server's announced format (32 bpp little-endian, red at bit 16): bytes B, G, R, 0. */
const RGB_OFFSETS: [number, number, number] = [2, 1, 0];

/** The gateway's ws://.../websockify/?s=<token> inside a BCC vncUrl (the console page's vncUrl parameter). */
export function gatewayUrlOf(vncUrl: string): string {
  const gateway = new URL(vncUrl).searchParams.get('vncUrl');
  if (!gateway) throw new Error(`no gateway URL in ${vncUrl}`);
  return gateway;
}

/**
 * The simulated guest's screen through the real console gateway: a raw RFB viewer over the
 * WebSocket that types keys and reads the 640x400 text console back, glyph by glyph.
 */
export class GuestConsole {
  private fb = Buffer.alloc(0);

  private constructor(private readonly viewer: WsViewer) {
    this.fb = Buffer.alloc(viewer.width * viewer.height * BYTES_PER_PIXEL);
  }

  /** Connects without a VNC password (BCC instances have none) and without SetEncodings: Raw only. */
  static async open(gatewayUrl: string): Promise<GuestConsole> {
    return new GuestConsole(await WsViewer.open(gatewayUrl, null));
  }

  type(text: string): void {
    for (const char of text) this.viewer.key(char === '\n' ? XK_RETURN : char.codePointAt(0)!);
  }

  /** Requests a full frame and reads it as text. */
  async screen(): Promise<string> {
    this.viewer.updateRequest(false);
    for (;;) {
      const type = (await this.viewer.read(1))[0];
      if (type === 0) break;
      if (type === 2) continue; // Bell
      if (type === 3) {
        await this.viewer.read(3);
        await this.viewer.read((await this.viewer.read(4)).readUInt32BE());
        continue;
      }
      throw new Error(`unexpected server message ${type}`);
    }
    await this.viewer.read(1);
    const count = (await this.viewer.read(2)).readUInt16BE();
    for (let i = 0; i < count; i++) {
      const header = await this.viewer.read(12);
      const [x, y, width, height] = [0, 2, 4, 6].map((at) => header.readUInt16BE(at)) as [
        number,
        number,
        number,
        number,
      ];
      const encoding = header.readInt32BE(8);
      if (encoding !== 0) throw new Error(`unexpected encoding ${encoding}`);
      const pixels = await this.viewer.read(width * height * BYTES_PER_PIXEL);
      for (let row = 0; row < height; row++) {
        const from = row * width * BYTES_PER_PIXEL;
        pixels.copy(
          this.fb,
          ((y + row) * this.viewer.width + x) * BYTES_PER_PIXEL,
          from,
          from + width * BYTES_PER_PIXEL,
        );
      }
    }
    return bufferText(this.fb, this.viewer.width, this.viewer.height, BYTES_PER_PIXEL, RGB_OFFSETS);
  }

  /**
   * Waits until the screen's last non-empty line matches (and the whole screen `screen`); the cursor (a cell no glyph matches,
   * read as '#' after a space) is left out, so a prompt reads `login:` or `~#` blinking or not.
   */
  async waitForLastLine(pattern: RegExp, what: string, screen: RegExp = /(?:)/): Promise<string> {
    return until(async () => {
      const text = await this.screen();
      const last =
        text
          .split('\n')
          .filter((l) => l.trim() !== '')
          .pop() ?? '';
      return pattern.test(last.replace(/ #$/, '')) && screen.test(text) && text;
    }, what);
  }

  close(): void {
    this.viewer.ws.close();
  }
}
