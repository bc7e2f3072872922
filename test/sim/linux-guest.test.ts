import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from 'unixcrypt';
import type { GuestEvent } from '../../src/core/compute.js';
import { LinuxGuest } from '../../src/compute/sim/linux-guest.js';
import type { Rect } from '../../src/rfb/framebuffer.js';
import {
  PASSWORD,
  XK_ALT_L,
  XK_BACKSPACE,
  XK_CONTROL_L,
  XK_DELETE,
  booted,
  cellShows,
  linuxSpec,
  login,
  press,
  typeAndSettle,
} from './helpers.js';

const PROMPT = 'root@web-01:~# ';

function lines(screen: string): string[] {
  return screen.split('\n');
}

/** Runs one command on a cleared screen; returns its output (between the command and the next prompt). */
async function command(guest: LinuxGuest, line: string): Promise<string> {
  await typeAndSettle(guest, 'clear\n');
  const rows = lines(await typeAndSettle(guest, `${line}\n`));
  assert.equal(rows[0], PROMPT + line);
  let end = rows.length - 1;
  while (end > 0 && !rows[end]?.startsWith(PROMPT)) end--;
  assert.equal(rows[end], PROMPT, 'a new prompt follows');
  return rows.slice(1, end).join('\n');
}

async function loggedIn(spec = linuxSpec()): Promise<LinuxGuest> {
  const guest = await booted(new LinuxGuest(spec, { bootSeconds: 0 }));
  await login(guest);
  return guest;
}

function events(guest: LinuxGuest): GuestEvent[] {
  const seen: GuestEvent[] = [];
  guest.onEvent((event) => seen.push(event));
  return seen;
}

test('boot messages show the configured vCPUs, memory, host name and MTU, then the login prompt', async () => {
  const guest = new LinuxGuest(linuxSpec(), { bootSeconds: 0 });
  assert.equal(guest.isReady, false);
  await booted(guest);
  assert.equal(guest.isReady, true);
  const screen = guest.screen.text();
  assert.match(screen, /smpboot: Allowing 4 CPUs/);
  assert.match(screen, /Memory: \d+K\/8388608K available/);
  assert.match(screen, /Set hostname to <web-01>/);
  assert.match(screen, /eth0: link up, mtu 8500/);
  assert.match(screen, /debian_12_x64 web-01 tty1/);
  const rows = lines(screen);
  const last = rows.findIndex((row) => row === 'web-01 login: ');
  assert.ok(last > 0, 'login prompt on screen');
  // ...and drawn: the glyphs of "web-01" are in the framebuffer on that row.
  for (const [col, char] of [...'web-01'].entries()) {
    assert.ok(cellShows(guest.screen, last, col, char, 0xaaaaaa, 0), `pixel glyph ${char}`);
  }
  guest.dispose();
});

test('boot takes the configured time and is not ready before', async () => {
  const guest = new LinuxGuest(linuxSpec(), { bootSeconds: 0.2 });
  const started = Date.now();
  guest.start();
  await guest.screen.settled();
  assert.equal(guest.isReady, false);
  assert.doesNotMatch(guest.screen.text(), /login:/);
  await guest.ready;
  assert.ok(Date.now() - started >= 150, 'took about bootSeconds');
  assert.match(guest.screen.text(), /web-01 login: $/m);
  guest.dispose();
});

test('root logs in with the admin password, which is not echoed', async () => {
  const guest = await booted(new LinuxGuest(linuxSpec(), { bootSeconds: 0 }));
  const screen = await login(guest);
  assert.ok(!screen.includes(PASSWORD));
  assert.match(screen, /web-01 login: root\nPassword: \n/);
  assert.ok(lines(screen).includes(PROMPT));
  guest.dispose();
});

test('a wrong password, an unknown user, or no admin hash at all: Login incorrect', async () => {
  const guest = await booted(new LinuxGuest(linuxSpec(), { bootSeconds: 0 }));
  let screen = await typeAndSettle(guest, 'root\nwrong\n');
  assert.match(screen, /Password: \n\nLogin incorrect\nweb-01 login: $/m);
  screen = await typeAndSettle(guest, `admin\n${PASSWORD}\n`);
  assert.equal(screen.match(/Login incorrect/g)?.length, 2);
  guest.dispose();

  const locked = await booted(new LinuxGuest(linuxSpec({ adminPasswordHash: null }), { bootSeconds: 0 }));
  screen = await login(locked);
  assert.match(screen, /Login incorrect/);
  assert.ok(!lines(screen).includes(PROMPT));
  locked.dispose();
});

test('backspace edits the line being typed', async () => {
  const guest = await loggedIn();
  await typeAndSettle(guest, 'clear\nhostnamx');
  press(guest, XK_BACKSPACE);
  const screen = await typeAndSettle(guest, 'e\n');
  assert.deepEqual(lines(screen).slice(0, 3), [`${PROMPT}hostname`, 'web-01', PROMPT]);
  guest.dispose();
});

test('shell commands answer from the spec', async () => {
  const guest = await loggedIn();
  assert.equal(await command(guest, 'hostname'), 'web-01');
  assert.equal(await command(guest, 'cat /etc/hostname'), 'web-01');
  assert.equal(await command(guest, 'nproc'), '4');
  assert.equal(await command(guest, 'whoami'), 'root');
  assert.equal(await command(guest, 'echo "hello  world" it\\\'s'), "hello  world it's");
  assert.equal(await command(guest, 'uname'), 'Linux');
  assert.match(await command(guest, 'uname -a'), /^Linux web-01 6\.1\.0-18-amd64 #1 SMP/);
  assert.equal(await command(guest, 'foo --bar'), '-bash: foo: command not found');
  assert.equal(await command(guest, 'cat /nope'), 'cat: /nope: No such file or directory');

  const link = await command(guest, 'ip link');
  assert.match(link, /^1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 /);
  assert.match(link, /^2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 8500 /m);
  assert.match(link, /link\/ether 00:16:3e(:[0-9a-f]{2}){3} /);

  const free = lines(await command(guest, 'free -m'));
  assert.match(free[0] ?? '', /total +used +free/);
  assert.match(free[1] ?? '', /^Mem: +8192 /);
  assert.match(await command(guest, 'cat /proc/meminfo'), /^MemTotal: +8388608 kB$/m);

  await typeAndSettle(guest, 'echo junk\n');
  const cleared = await typeAndSettle(guest, 'clear\n');
  assert.equal(cleared.trim(), PROMPT.trim(), 'clear leaves only the prompt');
  guest.dispose();
});

test('a shell-script user data runs at first boot: its echo output on the console and in the log', async () => {
  const userData = '#!/bin/bash\necho "hello from user data"\necho hidden > /tmp/file\ntouch /tmp/x\necho done\n';
  const guest = await booted(new LinuxGuest(linuxSpec({ userData }), { bootSeconds: 0 }));
  const boot = guest.screen.text();
  assert.match(boot, /^hello from user data\ndone$/m);
  assert.ok(!boot.includes('hidden'));
  await login(guest);
  const log = await command(guest, 'cat /var/log/cloud-init-output.log');
  assert.match(log, /^hello from user data\ndone$/m);
  guest.dispose();
});

test('user data is not run on later boots', async () => {
  const userData = '#!/bin/sh\necho "hello from user data"\n';
  const guest = await booted(
    new LinuxGuest(linuxSpec({ userData, firstBoot: false }), {
      bootSeconds: 0,
    }),
  );
  assert.ok(!guest.screen.text().includes('hello from user data'));
  await login(guest);
  const log = await command(guest, 'cat /var/log/cloud-init-output.log');
  assert.match(log, /Cloud-init v\. .* finished/);
  assert.ok(!log.includes('hello from user data'));
  guest.dispose();
});

test('other user data is acknowledged, not run', async () => {
  const userData = '#cloud-config\nruncmd:\n  - echo hi\n';
  const guest = await booted(new LinuxGuest(linuxSpec({ userData }), { bootSeconds: 0 }));
  assert.match(guest.screen.text(), /Received user data: 34 bytes \(#cloud-config\); not a shell script, not run\./);
  guest.dispose();
});

test('passwd changes the root password in guest memory only', async () => {
  const guest = await loggedIn();
  let screen = await typeAndSettle(guest, 'clear\npasswd\nNew-pass1\nNew-pass1\n');
  assert.ok(!screen.includes('New-pass1'), 'not echoed');
  assert.match(screen, /New password: \nRetype new password: \npasswd: password updated successfully\n/);
  assert.ok(guest.adminPasswordHash && verify('New-pass1', guest.adminPasswordHash));

  screen = await typeAndSettle(guest, `clear\nexit\nroot\n${PASSWORD}\n`);
  assert.match(screen, /Login incorrect/, 'the old password no longer works');
  screen = await typeAndSettle(guest, 'root\nNew-pass1\n');
  assert.ok(lines(screen).includes(PROMPT));
  guest.dispose();
});

test('passwd refuses mismatched or empty passwords', async () => {
  const guest = await loggedIn();
  const before = guest.adminPasswordHash;
  let screen = await typeAndSettle(guest, 'clear\npasswd\none\ntwo\n');
  assert.match(
    screen,
    /Sorry, passwords do not match\.\npasswd: Authentication token manipulation error\npasswd: password unchanged/,
  );
  screen = await typeAndSettle(guest, 'clear\npasswd\n\n');
  assert.match(screen, /No password has been supplied\./);
  assert.equal(guest.adminPasswordHash, before);
  assert.match(await typeAndSettle(guest, 'clear\nhostname\n'), /^web-01$/m, 'echo is back on');
  guest.dispose();
});

test('exit, logout and Ctrl+D go back to the login prompt', async () => {
  const guest = await loggedIn();
  for (const leave of ['exit\n', 'logout\n']) {
    const screen = await typeAndSettle(guest, `clear\n${leave}`);
    assert.match(screen, /logout\n\ndebian_12_x64 web-01 tty1\n\nweb-01 login: $/m);
    await login(guest);
  }
  await typeAndSettle(guest, 'clear\n');
  guest.keyEvent(true, XK_CONTROL_L);
  press(guest, 0x64);
  guest.keyEvent(false, XK_CONTROL_L);
  await guest.screen.settled();
  assert.match(guest.screen.text(), /web-01 login: $/m);
  guest.dispose();
});

test('reboot and poweroff raise guest events and stop taking input', async () => {
  for (const [line, event] of [
    ['reboot', 'reboot'],
    ['poweroff', 'poweroff'],
    ['shutdown -r now', 'reboot'],
  ] as const) {
    const guest = await loggedIn();
    const seen = events(guest);
    const screen = await typeAndSettle(guest, `${line}\n`);
    assert.deepEqual(seen, [event]);
    assert.match(screen, event === 'reboot' ? /reboot: Restarting system/ : /reboot: Power down/);
    const after = await typeAndSettle(guest, 'hostname\n');
    assert.equal(after, screen, 'halted: typing does nothing');
    guest.dispose();
  }
});

test('Ctrl+Alt+Del reboots, logged in or not', async () => {
  const guest = await booted(new LinuxGuest(linuxSpec(), { bootSeconds: 0 }));
  const seen = events(guest);
  guest.keyEvent(true, XK_CONTROL_L);
  guest.keyEvent(true, XK_ALT_L);
  press(guest, XK_DELETE);
  guest.keyEvent(false, XK_ALT_L);
  guest.keyEvent(false, XK_CONTROL_L);
  assert.deepEqual(seen, ['reboot']);
  guest.dispose();
});

test('a keystroke damages only the prompt row', async () => {
  const guest = await loggedIn();
  await typeAndSettle(guest, 'clear\n');
  const damage: Rect[] = [];
  guest.screen.onDamage((rects) => damage.push(...rects));
  await typeAndSettle(guest, 'h');
  assert.deepEqual(damage, [{ x: PROMPT.length * 8, y: 0, width: 16, height: 16 }]);
  guest.dispose();
});
