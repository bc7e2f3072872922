import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { NATIVE_FORMAT } from '../../src/rfb/pixel-format.js';
import { $Ecs, ecsClient, type EcsClient, REGION, runningInstance } from '../helpers/aliyun.js';
import { TestServer, until } from '../helpers/server.js';
import { TestClient } from '../rfb/rfb-client.js';
import { auditOf, bufferText, describeVncUrl, tcpBridge } from './helpers.js';
import { decodePng } from './png.js';

/**
 * Stock VNC clients from Debian through the real server: Net::VNC (libnet-vnc-perl, RFB 3.8,
 * lossless PNG) and vncsnapshot (RFB 3.3, where the server picks the security type).
 *
 * They speak plain TCP and the instance's RFB endpoint is a loopback port private to the server,
 * so the test puts a small TCP<->WebSocket bridge in front of the gateway: each TCP connection
 * gets a fresh URL from DescribeInstanceVncUrl. The clients thus go through everything a browser
 * does (token, gateway, relay, the guest's RFB server) rather than around it, and the gateway's
 * stream follower has to keep up with both handshake flavours.
 */

const run = promisify(execFile);
const VNC_PASSWORD = 'Snap7v';
const HOSTNAME = 'rfb-client-host';

/** Logs in with Net::VNC, captures the screen and saves it as PNG (via Image::Imlib2). */
const NET_VNC_CAPTURE = `
use strict; use Net::VNC;
my ($port, $password, $out) = @ARGV;
my $vnc = Net::VNC->new({ hostname => '127.0.0.1', port => $port, password => $password });
$vnc->depth(24);
$vnc->login;
print $vnc->name, "\\n";
my $image = $vnc->capture;
$image->image_set_format('png');
$image->save($out);
`;

describe('Debian VNC clients through the gateway', () => {
  let server: TestServer;
  let ecs: EcsClient;
  let instanceId: string;
  let bridge: { port: number; close: () => Promise<void> };
  let dir: string;

  before(async () => {
    server = await TestServer.start();
    ecs = ecsClient(server);
    ({ instanceId } = await runningInstance(ecs, { hostName: HOSTNAME }));
    await until(async () => {
      try {
        await ecs.modifyInstanceVncPasswd(
          new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword: VNC_PASSWORD }),
        );
        return true;
      } catch (error) {
        if ((error as { code?: string }).code !== 'InstanceNotReady') throw error;
        return false;
      }
    }, 'the guest to boot');
    bridge = await tcpBridge(async () => (await describeVncUrl(ecs, instanceId)).url);
    dir = mkdtempSync(join(tmpdir(), 'openecs-vnc-clients-'));
  });
  after(async () => {
    await bridge.close();
    rmSync(dir, { recursive: true, force: true });
    await server.dispose();
  });

  test('Net::VNC logs in with the VNC password and captures exactly the guest framebuffer', async () => {
    const out = join(dir, 'netvnc.png');
    const { stdout } = await run('perl', ['-e', NET_VNC_CAPTURE, String(bridge.port), VNC_PASSWORD, out]);
    assert.equal(stdout.trim(), `${HOSTNAME} (${instanceId})`, 'the desktop name Net::VNC read');
    const shot = decodePng(readFileSync(out));
    assert.deepEqual([shot.width, shot.height], [640, 400]);
    const text = bufferText(shot.rgba, shot.width, shot.height, 4, [0, 1, 2]);
    assert.match(text, new RegExp(`^${HOSTNAME} login: `, 'm'));

    // The same pixels as a raw RFB client receives them (the guest shows a static prompt now).
    const guest = await TestClient.open(bridge.port, VNC_PASSWORD);
    try {
      guest.setPixelFormat(NATIVE_FORMAT);
      guest.setEncodings([0]);
      guest.requestUpdate(false);
      await guest.readUpdate();
      let differing = 0;
      for (let i = 0; i < 640 * 400; i++) {
        if (shot.rgba.readUIntBE(i * 4, 3) !== guest.fb.readUIntBE(i * 4, 3)) differing++;
      }
      assert.equal(differing, 0, 'pixels where the Net::VNC capture differs from the framebuffer');
    } finally {
      guest.close();
    }
  });

  test('Net::VNC with a wrong password is refused', async () => {
    await assert.rejects(run('perl', ['-e', NET_VNC_CAPTURE, String(bridge.port), 'Wrong1x', join(dir, 'wrong.png')]));
  });

  test('vncsnapshot (RFB 3.3) authenticates with a vncpasswd file and saves a 640x400 snapshot', async () => {
    const passwd = join(dir, 'passwd');
    const { stdout: obfuscated } = await run('sh', ['-c', `printf '%s\\n' '${VNC_PASSWORD}' | vncpasswd -f`], {
      encoding: 'buffer',
    });
    writeFileSync(passwd, obfuscated);
    const out = join(dir, 'snapshot.jpg');
    await run('vncsnapshot', ['-quiet', '-passwd', passwd, '-encodings', 'raw', `127.0.0.1::${bridge.port}`, out], {
      timeout: 20_000,
    });
    const jpeg = readFileSync(out);
    assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'a JPEG file');
    // The frame header (SOF0) carries the height and width.
    const sof = jpeg.indexOf(Buffer.of(0xff, 0xc0));
    assert.deepEqual([jpeg.readUInt16BE(sof + 7), jpeg.readUInt16BE(sof + 5)], [640, 400]);

    writeFileSync(
      passwd,
      (await run('sh', ['-c', "printf '%s\\n' 'Wrong1x' | vncpasswd -f"], { encoding: 'buffer' })).stdout,
    );
    await assert.rejects(
      run(
        'vncsnapshot',
        ['-quiet', '-passwd', passwd, '-encodings', 'raw', `127.0.0.1::${bridge.port}`, join(dir, 'no.jpg')],
        { timeout: 20_000 },
      ),
    );
  });

  test("the gateway followed every client's handshake: no session ended as a protocol error", async () => {
    const records = await until(async () => {
      const all = await auditOf(server, instanceId);
      const consumed = all.filter((r) => r.action === 'ConsoleConsumed').length;
      const closed = all.filter((r) => r.action === 'ConsoleClosed');
      return consumed >= 4 && closed.length === consumed && closed;
    }, 'every session to be closed and audited');
    // Viewers hang up ('client'); the guest's RFB server hangs up on a wrong password ('console closed').
    for (const record of records) assert.match(record.detail!, /^(client|console closed)$/);
  });
});
