import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeScreen, consoleLines } from './fake-screen.js';
import { nullInput, startServer } from './rfb-client.js';
import { haveProgram, haveTool } from '../helpers/tools.js';

const run = promisify(execFile);
const PASSWORD = 'rfb-test';

/** Net::VNC is a Perl module: installed when perl can load it. */
async function haveNetVnc(t: TestContext): Promise<boolean> {
  const installed = await run('perl', ['-MNet::VNC', '-e', '1']).then(
    () => true,
    () => false,
  );
  return haveTool(t, installed, 'Net::VNC', 'libnet-vnc-perl');
}

/** Solid blocks, two-colour console text and a smooth gradient: every kind of tile the encoders treat differently. */
function testScreen(): FakeScreen {
  const screen = new FakeScreen(192, 128, [0, 0, 170]);
  screen.text(
    consoleLines()
      .slice(0, 4)
      .map((l) => l.slice(0, 24)),
    [170, 170, 170],
    [0, 0, 170],
  );
  screen.fill({ x: 8, y: 72, width: 48, height: 48 }, [255, 0, 0], false);
  screen.fill({ x: 64, y: 72, width: 48, height: 48 }, [0, 255, 0], false);
  for (let y = 72; y < 120; y++) {
    for (let x = 120; x < 184; x++)
      screen.fill({ x, y, width: 1, height: 1 }, [(x - 120) * 4, (y - 72) * 5, 128], false);
  }
  return screen;
}

/** The obfuscated password file `vncpasswd -f` writes, which vncsnapshot -passwd reads. */
function vncPasswdFile(password: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile('vncpasswd', ['-f'], { encoding: 'buffer' }, (err, out) =>
      err ? reject(err) : resolve(out),
    );
    child.stdin!.end(`${password}\n`);
  });
}

/** Decodes any image ImageMagick reads into packed 8-bit RGB. */
async function rgbOf(file: string): Promise<Buffer> {
  const { stdout } = await run('convert', [file, '-depth', '8', 'rgb:-'], { encoding: 'buffer', maxBuffer: 1 << 26 });
  return stdout;
}

function expectedRgb(screen: FakeScreen, quantise: (v: number) => number = (v) => v): Buffer {
  const out = Buffer.alloc(screen.width * screen.height * 3);
  for (let i = 0; i < screen.width * screen.height; i++) {
    for (let c = 0; c < 3; c++) out[i * 3 + c] = quantise(screen.pixels[i * 4 + c]!);
  }
  return out;
}

/**
 * JPEG is lossy even at quality 100 (chroma subsampling blurs colour edges): pixels whose
 * neighbourhood is one colour must match closely, and the image as a whole on average.
 */
function assertJpegMatches(t: TestContext, actual: Buffer, screen: FakeScreen): void {
  const expected = expectedRgb(screen);
  assert.equal(actual.length, expected.length, 'image size');
  const { width, height } = screen;
  const uniform = (x: number, y: number): boolean => {
    const at = (y * width + x) * 3;
    for (let dy = -3; dy <= 3; dy++) {
      for (let dx = -3; dx <= 3; dx++) {
        const nx = Math.min(width - 1, Math.max(0, x + dx));
        const ny = Math.min(height - 1, Math.max(0, y + dy));
        const n = (ny * width + nx) * 3;
        if (
          expected[n] !== expected[at] ||
          expected[n + 1] !== expected[at + 1] ||
          expected[n + 2] !== expected[at + 2]
        )
          return false;
      }
    }
    return true;
  };
  let total = 0;
  let worstFlat = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      const diff = Math.max(...[0, 1, 2].map((c) => Math.abs(actual[at + c]! - expected[at + c]!)));
      total += diff;
      if (uniform(x, y)) worstFlat = Math.max(worstFlat, diff);
    }
  }
  const mean = total / (width * height);
  t.diagnostic(`worst flat-area difference ${worstFlat}, mean difference ${mean.toFixed(2)}`);
  assert.ok(worstFlat <= 4, `a flat area is off by ${worstFlat}`);
  assert.ok(mean <= 1, `mean difference ${mean.toFixed(2)}`);
}

for (const encodings of ['raw', null, 'tight', 'zlib', 'copyrect tight zlib raw']) {
  const label = encodings === null ? 'its own choice of encoding' : `-encodings "${encodings}"`;
  test(`vncsnapshot (RFB 3.3, VNC auth) with ${label} captures the screen`, async (t) => {
    if (!haveProgram(t, 'vncsnapshot') || !haveProgram(t, 'vncpasswd') || !haveProgram(t, 'convert')) return;
    const dir = mkdtempSync(join(tmpdir(), 'rfb-vncsnapshot-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const passwd = join(dir, 'passwd');
    writeFileSync(passwd, await vncPasswdFile(PASSWORD));
    const screen = testScreen();
    const server = await startServer({ screen, input: nullInput, name: 'snap', password: () => PASSWORD });
    t.after(() => server.close());
    const image = join(dir, 'shot.jpg');
    const args = [
      '-quiet',
      '-passwd',
      passwd,
      '-quality',
      '100',
      ...(encodings ? ['-encodings', encodings] : []),
      `127.0.0.1::${server.port}`,
      image,
    ];
    await run('vncsnapshot', args, { timeout: 20_000 });
    assertJpegMatches(t, await rgbOf(image), screen);
  });
}

const NET_VNC_CAPTURE = `
use strict;
use Net::VNC;
my ($port, $password, $depth, $file) = @ARGV;
my $vnc = Net::VNC->new({ hostname => '127.0.0.1', port => $port, password => $password });
$vnc->hide_cursor(1);
$vnc->depth($depth) if $depth;
$vnc->login;
$vnc->capture->save($file);
`;

for (const depth of [0, 16]) {
  const label = depth === 0 ? "the server's pixel format" : '16 bpp (RGB555)';
  test(`Net::VNC logs in with a password and captures the screen exactly, in ${label}`, async (t) => {
    if (!(await haveNetVnc(t)) || !haveProgram(t, 'convert')) return;
    const dir = mkdtempSync(join(tmpdir(), 'rfb-netvnc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const screen = testScreen();
    const server = await startServer({ screen, input: nullInput, name: 'perl', password: () => PASSWORD });
    t.after(() => server.close());
    const image = join(dir, 'shot.png');
    await run('perl', ['-e', NET_VNC_CAPTURE, String(server.port), PASSWORD, String(depth), image], {
      timeout: 20_000,
    });
    // At 16 bpp Net::VNC rebuilds 8-bit channels as value << 3.
    const quantise = depth === 16 ? (v: number) => Math.round((v * 31) / 255) << 3 : undefined;
    assert.ok((await rgbOf(image)).equals(expectedRgb(screen, quantise)), 'captured pixels differ');
  });
}

test('Net::VNC with a wrong password is refused', async (t) => {
  if (!(await haveNetVnc(t))) return;
  const screen = testScreen();
  const server = await startServer({ screen, input: nullInput, name: 'perl', password: () => PASSWORD });
  t.after(() => server.close());
  await assert.rejects(
    run('perl', ['-e', NET_VNC_CAPTURE, String(server.port), 'wrong', '0', '/dev/null'], { timeout: 20_000 }),
  );
});
