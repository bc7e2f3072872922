import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, normalize } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import { ClientStreamParser } from '../../src/rfb/client-stream.js';
import { launchChromium } from '../helpers/chromium.js';
import { haveProgram } from '../helpers/tools.js';
import { FakeScreen, consoleLines } from './fake-screen.js';
import { startServer } from './rfb-client.js';

const NOVNC = join(import.meta.dirname, '../../node_modules/@novnc/novnc');
const PASSWORD = 'novnc-pw';

const PAGE = `<!doctype html><body><div id="screen"></div><script type="module">
import RFB from '/novnc/core/rfb.js';
const rfb = new RFB(document.getElementById('screen'), 'ws://' + location.host + '/ws', { credentials: { password: '${PASSWORD}' } });
rfb.addEventListener('connect', () => (window.connected = true));
rfb.addEventListener('disconnect', (e) => (window.disconnected = JSON.stringify(e.detail)));
window.canvasPixels = () => {
  const canvas = document.querySelector('#screen canvas');
  const rgba = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let out = '';
  for (let i = 0; i < rgba.length; i += 4) out += String.fromCharCode(rgba[i], rgba[i + 1], rgba[i + 2]);
  return btoa(out);
};
</script></body>`;

/** noVNC from the browser through a byte-relaying WebSocket gateway, as openecs deploys it. */
async function startGateway(
  rfbPort: number,
  onInput: (kind: string) => void,
  onServerBytes: (count: number) => void,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = normalize(join(NOVNC, url.pathname.replace(/^\/novnc\//, '')));
    if (!url.pathname.startsWith('/novnc/') || !file.startsWith(NOVNC) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(file));
  });
  const wss = new WebSocketServer({ server, path: '/ws' });
  wss.on('connection', (ws) => {
    const parser = new ClientStreamParser({ input: onInput, error: (reason) => onInput(`error ${reason}`) });
    const upstream = net.connect(rfbPort, '127.0.0.1');
    upstream.on('data', (chunk: Buffer) => {
      parser.fromServer(chunk);
      onServerBytes(chunk.length);
      ws.send(chunk);
    });
    ws.on('message', (data: Buffer) => {
      parser.fromClient(data);
      upstream.write(data);
    });
    ws.on('close', () => upstream.destroy());
    upstream.on('close', () => ws.close());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function expectedRgb(screen: FakeScreen): string {
  const out = Buffer.alloc(screen.width * screen.height * 3);
  for (let i = 0; i < screen.width * screen.height; i++) screen.pixels.copy(out, i * 3, i * 4, i * 4 + 3);
  return out.toString('base64');
}

test('noVNC 1.7 in Chromium logs in, paints the screen exactly, follows damage and types', async (t) => {
  if (!haveProgram(t, 'chromium')) return;
  const screen = new FakeScreen(320, 200, [0, 0, 170]);
  screen.text(consoleLines().slice(0, 8), [170, 170, 170], [0, 0, 170]);
  for (let y = 140; y < 200; y++) {
    for (let x = 0; x < 320; x++) screen.fill({ x, y, width: 1, height: 1 }, [x & 255, y, (x * 3) & 255], false);
  }
  const keys: number[] = [];
  const input = {
    keyEvent: (down: boolean, keysym: number) => void (down && keys.push(keysym)),
    pointerEvent: () => {},
  };
  const rfb = await startServer({ screen, input, name: 'browser', password: () => PASSWORD });
  t.after(() => rfb.close());
  const inputs: string[] = [];
  let relayed = 0;
  const gateway = await startGateway(
    rfb.port,
    (kind) => inputs.push(kind),
    (count) => (relayed += count),
  );
  t.after(() => new Promise((resolve) => gateway.close(resolve)));
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${(gateway.address() as net.AddressInfo).port}/`);
  await page.waitForFunction(() => 'connected' in window || 'disconnected' in window, null, { timeout: 15_000 });
  assert.equal(await page.evaluate(() => (window as { disconnected?: string }).disconnected), undefined);

  const canvasShows = (want: string): Promise<unknown> =>
    page.waitForFunction((w) => (window as unknown as { canvasPixels(): string }).canvasPixels() === w, want, {
      timeout: 10_000,
      polling: 100,
    });
  await canvasShows(expectedRgb(screen));
  // noVNC prefers Tight; a Raw first frame alone would be 320 * 200 * 4 bytes.
  assert.ok(relayed < (320 * 200 * 4) / 4, `${relayed} bytes for the first frame`);

  screen.fill({ x: 100, y: 50, width: 40, height: 30 }, [255, 128, 0]);
  await canvasShows(expectedRgb(screen));

  await page.click('#screen canvas');
  await page.keyboard.press('x');
  for (let i = 0; i < 50 && !keys.includes(0x78); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(keys.includes(0x78), `keysyms received: ${keys.map((k) => k.toString(16))}`);
  assert.ok(inputs.includes('key') && inputs.includes('pointer'), `gateway saw ${inputs.join(', ')}`);
  assert.ok(!inputs.some((kind) => kind.startsWith('error')), inputs.join(', '));
});
