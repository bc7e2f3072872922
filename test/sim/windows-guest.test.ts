import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GuestEvent } from '../../src/core/compute.js';
import { WindowsGuest } from '../../src/compute/sim/windows-guest.js';
import { PASSWORD, XK_BACKSPACE, booted, cellShows, linuxSpec, press, typeAndSettle } from './helpers.js';

const windowsSpec = (overrides = {}) =>
  linuxSpec({
    osType: 'windows',
    hostName: 'WIN-APP01',
    imageName: 'win2022_64_dtc',
    ...overrides,
  });

test('boots to a sign-in screen for Administrator with the host name', async () => {
  const guest = new WindowsGuest(windowsSpec(), { bootSeconds: 0 });
  assert.equal(guest.isReady, false);
  await booted(guest);
  assert.equal(guest.isReady, true);
  const screen = guest.screen.text();
  assert.match(screen, /║ +Administrator +║/);
  assert.match(screen, /Password:/);
  assert.match(screen, /WIN-APP01/);
  // Drawn white on blue: find "Administrator" and check its first glyph's pixels.
  const rows = screen.split('\n');
  const row = rows.findIndex((line) => line.includes('Administrator'));
  const col = rows[row]?.indexOf('Administrator') ?? -1;
  assert.ok(cellShows(guest.screen, row, col, 'A', 0xffffff, 0x0000aa));
  guest.dispose();
});

test('the password shows as bullets; a wrong one says so and clears the field', async () => {
  const guest = await booted(new WindowsGuest(windowsSpec(), { bootSeconds: 0 }));
  let screen = await typeAndSettle(guest, 'abcd');
  assert.match(screen, /Password: +••••\s/);
  assert.ok(!screen.includes('abcd'));
  press(guest, XK_BACKSPACE);
  await guest.screen.settled();
  assert.match(guest.screen.text(), /Password: +•••\s/);
  screen = await typeAndSettle(guest, '\n');
  assert.match(screen, /The password is incorrect\. Try again\./);
  assert.doesNotMatch(screen, /•/);
  guest.dispose();
});

test('the right password shows a desktop with the computer name; S signs out', async () => {
  const guest = await booted(new WindowsGuest(windowsSpec(), { bootSeconds: 0 }));
  let screen = await typeAndSettle(guest, `${PASSWORD}\n`);
  assert.match(screen, /Computer name: +WIN-APP01/);
  assert.match(screen, /Processors: +4 virtual processors/);
  assert.match(screen, /Installed RAM: +8192 MB/);
  assert.doesNotMatch(screen, /Password:/);
  screen = await typeAndSettle(guest, 's');
  assert.match(screen, /Password:/);
  assert.doesNotMatch(screen, /incorrect/);
  guest.dispose();
});

test('no admin password: nobody signs in', async () => {
  const guest = await booted(
    new WindowsGuest(windowsSpec({ adminPasswordHash: null }), {
      bootSeconds: 0,
    }),
  );
  assert.match(await typeAndSettle(guest, `${PASSWORD}\n`), /The password is incorrect/);
  guest.dispose();
});

test('restart and shut down from the desktop raise guest events', async () => {
  for (const [key, event, text] of [
    ['r', 'reboot', 'Restarting'],
    ['u', 'poweroff', 'Shutting down'],
  ] as const) {
    const guest = await booted(new WindowsGuest(windowsSpec(), { bootSeconds: 0 }));
    const seen: GuestEvent[] = [];
    guest.onEvent((e) => seen.push(e));
    await typeAndSettle(guest, `${PASSWORD}\n`);
    const screen = await typeAndSettle(guest, key);
    assert.deepEqual(seen, [event]);
    assert.match(screen, new RegExp(text));
    guest.dispose();
  }
});
