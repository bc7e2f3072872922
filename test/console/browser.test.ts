import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { NATIVE_FORMAT } from '../../src/rfb/pixel-format.js';
import { $Ecs, ecsClient, type EcsClient, REGION, runningInstance } from '../helpers/aliyun.js';
import { launchChromiumContext } from '../helpers/chromium.js';
import { TestServer, until } from '../helpers/server.js';
import { TestClient } from '../rfb/rfb-client.js';
import { bufferText, describeVncUrl, tcpBridge } from './helpers.js';
import { decodePng } from './png.js';

/**
 * The whole console story in a real browser (Debian's Chromium driven by playwright-core): the
 * official SDK sets the passwords and the hostname, restarts the instance and asks for a console
 * URL; the web terminal page connects through the gateway; the test types the VNC password,
 * logs in and runs `hostname`.
 *
 * How it proves the screen is right: the canvas is captured as a PNG screenshot and compared,
 * pixel for pixel, with the guest's framebuffer as a separate raw RFB client (speaking RFB
 * through the same gateway) receives it; and both are read as text against the VGA font, so the
 * expected words (the new hostname on the line after `hostname`) must be drawn where they belong.
 * A wrong glyph, colour, offset or a stale frame fails the comparison.
 */

const ADMIN_PASSWORD = 'Console#2024x';
const VNC_PASSWORD = 'Vnc9ab';
const HOSTNAME = 'console-web-01';

/** Retries a call that answers InstanceNotReady while the guest boots. */
async function whenReady<T>(call: () => Promise<T>, what: string): Promise<T> {
  let result: T | undefined;
  await until(async () => {
    try {
      result = await call();
      return true;
    } catch (error) {
      if ((error as { code?: string }).code !== 'InstanceNotReady') throw error;
      return false;
    }
  }, what);
  return result!;
}

/**
 * The canvas as the browser paints it: a PNG screenshot of the page cut to the canvas. The canvas
 * is centred, so its box may start at half a pixel; Chromium paints it snapped to whole pixels
 * (rounded), which is where the clip goes too.
 */
async function canvasShot(page: Page): Promise<{ width: number; height: number; rgba: Buffer }> {
  const canvas = page.locator('#screen canvas');
  const box = (await canvas.boundingBox())!;
  const size = await canvas.evaluate((c: HTMLCanvasElement) => ({ width: c.width, height: c.height }));
  const clip = { x: Math.round(box.x), y: Math.round(box.y), ...size };
  return decodePng(await page.screenshot({ clip, animations: 'disabled' }));
}

async function canvasText(page: Page): Promise<string> {
  const shot = await canvasShot(page);
  return bufferText(shot.rgba, shot.width, shot.height, 4, [0, 1, 2]);
}

function waitForScreen(page: Page, pattern: RegExp, what: string): Promise<string> {
  return until(
    async () => {
      const text = await canvasText(page);
      return pattern.test(text) && text;
    },
    what,
    60_000,
  );
}

/** The guest's framebuffer as a raw RFB client sees it (bytes R, G, B, 0 per pixel). */
async function guestFramebuffer(ecs: EcsClient, instanceId: string): Promise<TestClient> {
  const bridge = await tcpBridge(async () => (await describeVncUrl(ecs, instanceId)).url);
  try {
    const client = await TestClient.open(bridge.port, VNC_PASSWORD);
    client.setPixelFormat(NATIVE_FORMAT);
    client.setEncodings([6, 0]);
    client.requestUpdate(false);
    await client.readUpdate();
    return client;
  } finally {
    await bridge.close();
  }
}

/** Pixels where the two RGB images differ. */
function differences(shot: { width: number; height: number; rgba: Buffer }, guest: TestClient): number {
  assert.equal(shot.width, guest.width);
  assert.equal(shot.height, guest.height);
  let differing = 0;
  for (let i = 0; i < guest.width * guest.height; i++) {
    for (let c = 0; c < 3; c++) {
      if (shot.rgba[i * 4 + c] !== guest.fb[i * 4 + c]) {
        differing++;
        break;
      }
    }
  }
  return differing;
}

describe('web terminal in Chromium', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    server = await TestServer.start({ bootSeconds: 0.5 });
    profile = mkdtempSync(join(tmpdir(), 'openecs-chromium-'));
    context = await launchChromiumContext(profile, { viewport: { width: 1000, height: 700 }, deviceScaleFactor: 1 });
  });
  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await server.dispose();
  });

  test('SDK sets passwords and hostname, reboots; the page logs in and shows the new hostname', async () => {
    const ecs = ecsClient(server);
    const { instanceId } = await runningInstance(ecs, { password: ADMIN_PASSWORD, hostName: 'before-host' });
    await whenReady(
      () =>
        ecs.modifyInstanceVncPasswd(
          new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword: VNC_PASSWORD }),
        ),
      'the VNC password to be accepted',
    );
    await ecs.modifyInstanceAttribute(new $Ecs.ModifyInstanceAttributeRequest({ instanceId, hostName: HOSTNAME }));
    await ecs.rebootInstance(new $Ecs.RebootInstanceRequest({ instanceId }));
    // DescribeInstanceVncUrl answers InstanceNotReady (or IncorrectInstanceStatus while Stopping)
    // until the rebooted guest shows its login prompt.
    const { raw } = await until(async () => {
      try {
        return await describeVncUrl(ecs, instanceId);
      } catch (error) {
        if (!['InstanceNotReady', 'IncorrectInstanceStatus'].includes((error as { code: string }).code)) throw error;
        return undefined;
      }
    }, 'a console URL after the reboot');

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // Content-Security-Policy violations and failed module loads show up as console errors.
    page.on(
      'console',
      (message) => message.type() === 'error' && errors.push(`${message.text()} ${message.location().url}`),
    );
    const opened = performance.now();
    // VncUrl appended as DescribeInstanceVncUrl returned it (percent-encoded once).
    await page.goto(`${server.url}/vnc/index.html?vncUrl=${raw}&instanceId=${instanceId}&isWindows=false`);
    assert.equal(await page.locator('#instance-id').textContent(), instanceId);
    assert.equal(new URL(page.url()).search, '', 'the token leaves the address bar');

    await page.locator('#password').waitFor({ state: 'visible' });
    const asked = performance.now();
    await page.locator('#password').fill(VNC_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('body[data-state="connected"]').waitFor();
    const connected = performance.now();
    await waitForScreen(page, new RegExp(`^${HOSTNAME} login: `, 'm'), 'the login prompt with the new hostname');

    await page.locator('#screen canvas').click();
    await page.keyboard.type('root');
    await page.keyboard.press('Enter');
    await waitForScreen(page, /^Password: /m, 'the password prompt');
    // Capitals and '#' arrive as their own keysyms (noVNC sends what the key produced), so the
    // simulated keyboard gets exactly the admin password.
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await waitForScreen(page, new RegExp(`^root@${HOSTNAME}:~# `, 'm'), 'a root shell');
    await page.keyboard.type('hostname');
    await page.keyboard.press('Enter');
    const text = await waitForScreen(
      page,
      new RegExp(`# hostname\\n${HOSTNAME}\\nroot@${HOSTNAME}:~# `),
      'the output of hostname',
    );
    assert.doesNotMatch(text, /Login incorrect/);

    // The same pixels the guest's framebuffer holds, as an independent RFB client receives them.
    const guest = await guestFramebuffer(ecs, instanceId);
    try {
      const guestText = bufferText(guest.fb, guest.width, guest.height, 4, [0, 1, 2]);
      assert.match(guestText, new RegExp(`# hostname\\n${HOSTNAME}\\n`));
      // The canvas may trail the framebuffer by a frame: give it a moment to settle, then demand equality.
      let differing = -1;
      await until(
        async () => (differing = differences(await canvasShot(page), guest)) === 0,
        'the canvas to equal the framebuffer',
        5_000,
      ).catch(() => {});
      assert.equal(differing, 0, 'pixels on the canvas that differ from the guest framebuffer');
      assert.equal(await canvasText(page), guestText);
    } finally {
      guest.close();
    }
    assert.deepEqual(errors, []);
    console.log(
      `console page: load to password prompt ${Math.round(asked - opened)} ms, password to connected ${Math.round(connected - asked)} ms`,
    );
  });
});

describe('web terminal says why a session ended', () => {
  let server: TestServer;
  let context: BrowserContext;
  let profile: string;
  let ecs: EcsClient;

  before(async () => {
    server = await TestServer.start({
      args: ['--console-url-ttl-seconds', '3', '--console-idle-seconds', '2', '--console-reconnects-per-minute', '3'],
    });
    ecs = ecsClient(server);
    profile = mkdtempSync(join(tmpdir(), 'openecs-chromium-'));
    context = await launchChromiumContext(profile);
  });
  after(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await server.dispose();
  });

  async function instanceWithVnc(password: string): Promise<string> {
    const { instanceId } = await runningInstance(ecs);
    await whenReady(
      () =>
        ecs.modifyInstanceVncPasswd(
          new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword: password }),
        ),
      'the VNC password to be accepted',
    );
    return instanceId;
  }

  /** Opens the page for `vncUrl` (as given: appended raw) and optional password. */
  async function open(vncUrl: string, instanceId: string, password?: string): Promise<Page> {
    const page = await context.newPage();
    const query = `vncUrl=${vncUrl}&instanceId=${instanceId}&isWindows=false${password ? `&password=${password}` : ''}`;
    await page.goto(`${server.url}/vnc/index.html?${query}`);
    return page;
  }

  async function ended(page: Page): Promise<{ title: string; reason: string }> {
    await page.locator('body[data-state="disconnected"]').waitFor({ timeout: 15_000 });
    const title = (await page.locator('#ended-title').textContent())!;
    const reason = (await page.locator('#ended-reason').textContent())!;
    await page.close();
    return { title, reason };
  }

  test('password in the link, vncUrl encoded twice: connects without asking; a new VNC password ends it', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    const { raw } = await describeVncUrl(ecs, instanceId);
    const page = await open(encodeURIComponent(raw), instanceId, 'Pass1a');
    await page.locator('body[data-state="connected"]').waitFor();
    assert.equal(await page.locator('#password-form').isHidden(), true);
    await ecs.modifyInstanceVncPasswd(
      new $Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId, vncPassword: 'Pass2b' }),
    );
    assert.equal((await ended(page)).title, 'VNC password changed');
  });

  test('a used link, an expired link, a wrong password', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    const { raw } = await describeVncUrl(ecs, instanceId);
    const first = await open(raw, instanceId, 'Pass1a');
    await first.locator('body[data-state="connected"]').waitFor();
    assert.deepEqual(await ended(await open(raw, instanceId, 'Pass1a')), {
      title: 'This console link was already used',
      reason: 'This console link was already used: request a new one.',
    });
    await first.close();

    const stale = (await describeVncUrl(ecs, instanceId)).raw;
    await new Promise((resolve) => setTimeout(resolve, 3_200));
    assert.equal((await ended(await open(stale, instanceId, 'Pass1a'))).title, 'This console link has expired');

    const wrong = await ended(await open((await describeVncUrl(ecs, instanceId)).raw, instanceId, 'Wrong9z'));
    assert.equal(wrong.title, 'Wrong VNC password');
  });

  test('idle: no input for the keepalive time', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    const page = await open((await describeVncUrl(ecs, instanceId)).raw, instanceId, 'Pass1a');
    await page.locator('body[data-state="connected"]').waitFor();
    const result = await ended(page);
    assert.equal(result.title, 'Closed for inactivity');
    assert.match(result.reason, /no keyboard or mouse input for 2 s/);
  });

  test('Ctrl+Alt+Del reboots the guest, which ends the session: "Instance stopped"', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    const page = await open((await describeVncUrl(ecs, instanceId)).raw, instanceId, 'Pass1a');
    await page.locator('body[data-state="connected"]').waitFor();
    await page.locator('#ctrl-alt-del').click();
    assert.equal((await ended(page)).title, 'Instance stopped');
  });

  test('the reconnect limit', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    for (let i = 0; i < 3; i++) {
      const page = await open((await describeVncUrl(ecs, instanceId)).raw, instanceId, 'Pass1a');
      await page.locator('body[data-state="connected"]').waitFor();
      await page.close();
    }
    const result = await ended(await open((await describeVncUrl(ecs, instanceId)).raw, instanceId, 'Pass1a'));
    assert.equal(result.title, 'Too many connections to this instance');
    assert.match(result.reason, /at most 3 a minute/);
  });

  test('a link to another host is refused by the page itself', async () => {
    const instanceId = await instanceWithVnc('Pass1a');
    const { url } = await describeVncUrl(ecs, instanceId);
    const foreign = encodeURIComponent(url.replace('127.0.0.1', 'evil.example.test'));
    assert.equal((await ended(await open(foreign, instanceId, 'Pass1a'))).title, 'This console link is not valid');
    // The token was not spent: the real link still works.
    const page = await open(encodeURIComponent(url), instanceId, 'Pass1a');
    await page.locator('body[data-state="connected"]').waitFor();
    await page.close();
  });
});
