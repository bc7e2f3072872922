import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyboard } from '../../src/compute/sim/keyboard.js';
import { XK_ALT_L, XK_BACKSPACE, XK_CONTROL_L, XK_DELETE, XK_RETURN } from './helpers.js';

const data = (keyboard: Keyboard, keysym: number) => {
  const action = keyboard.keyEvent(true, keysym);
  keyboard.keyEvent(false, keysym);
  return action?.kind === 'data' ? action.data : action;
};

test('printable Latin-1 keysyms are their characters; releases produce nothing', () => {
  const keyboard = new Keyboard();
  assert.equal(data(keyboard, 0x61), 'a');
  assert.equal(data(keyboard, 0x41), 'A');
  assert.equal(data(keyboard, 0x21), '!');
  assert.equal(data(keyboard, 0xe9), 'é');
  assert.equal(keyboard.keyEvent(false, 0x61), null);
});

test('editing and cursor keys send what a Linux console sends', () => {
  const keyboard = new Keyboard();
  assert.equal(data(keyboard, XK_RETURN), '\r');
  assert.equal(data(keyboard, XK_BACKSPACE), '\x7f');
  assert.equal(data(keyboard, 0xff09), '\t');
  assert.equal(data(keyboard, 0xff1b), '\x1b');
  assert.equal(data(keyboard, 0xff52), '\x1b[A');
  assert.equal(data(keyboard, 0xff51), '\x1b[D');
  assert.equal(data(keyboard, 0xffb7), '7', 'keypad 7');
  assert.equal(data(keyboard, 0x01000000 + 0x20ac), '€', 'Unicode keysym');
  assert.equal(data(keyboard, 0xffbe), null, 'F1 is not mapped');
});

test('Ctrl+letter gives a C0 control only while Control is held', () => {
  const keyboard = new Keyboard();
  keyboard.keyEvent(true, XK_CONTROL_L);
  assert.equal(data(keyboard, 0x63), '\x03');
  assert.equal(data(keyboard, 0x44), '\x04', 'upper case too');
  keyboard.keyEvent(false, XK_CONTROL_L);
  assert.equal(data(keyboard, 0x63), 'c');
});

test('Alt+key is ESC then the key', () => {
  const keyboard = new Keyboard();
  keyboard.keyEvent(true, XK_ALT_L);
  assert.equal(data(keyboard, 0x62), '\x1bb');
});

test('Ctrl+Alt+Del as noVNC sends it is a reboot request', () => {
  const keyboard = new Keyboard();
  const sequence: Array<[boolean, number]> = [
    [true, XK_CONTROL_L],
    [true, XK_ALT_L],
    [true, XK_DELETE],
    [false, XK_DELETE],
    [false, XK_ALT_L],
    [false, XK_CONTROL_L],
  ];
  const actions = sequence.map(([down, keysym]) => keyboard.keyEvent(down, keysym)).filter(Boolean);
  assert.deepEqual(actions, [{ kind: 'reboot' }]);
  assert.equal(data(keyboard, XK_DELETE), '\x1b[3~', 'Delete alone is just Delete');
});
