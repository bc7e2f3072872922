import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkVncAuth, desEcb, vncAuthKey, vncAuthResponse } from '../../src/rfb/vnc-auth.js';
import { haveProgram } from '../helpers/tools.js';

test('single DES through des-ede3-ecb matches the classic known answer', () => {
  const out = desEcb(Buffer.from('133457799BBCDFF1', 'hex'), Buffer.from('0123456789ABCDEF', 'hex'));
  assert.equal(out.toString('hex').toUpperCase(), '85E813540F0AB405');
});

test('the VNC key mirrors the bits of each password byte and pads with NULs', () => {
  // 'a' = 0x61 = 0b01100001 -> 0b10000110; '0' = 0x30 -> 0x0c
  assert.deepEqual([...vncAuthKey('a0')], [0x86, 0x0c, 0, 0, 0, 0, 0, 0]);
});

test('only the first 8 characters of a password count', () => {
  const challenge = Buffer.alloc(16, 7);
  assert.deepEqual(vncAuthResponse('password-and-more', challenge), vncAuthResponse('password', challenge));
  assert.notDeepEqual(vncAuthResponse('passwor', challenge), vncAuthResponse('password', challenge));
});

test('checkVncAuth accepts the right response and rejects others', () => {
  const challenge = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const good = vncAuthResponse('s3cret', challenge);
  assert.equal(checkVncAuth('s3cret', challenge, good), true);
  assert.equal(checkVncAuth('s3creT', challenge, good), false);
  assert.equal(checkVncAuth('s3cret', challenge, good.subarray(0, 15)), false);
});

test('DES with the bit-mirrored key agrees with TigerVNC vncpasswd -f', (t) => {
  if (!haveProgram(t, 'vncpasswd')) return;
  // vncpasswd obfuscates the password with DES under this fixed key, through the same d3des code
  // path (and bit order) VNC authentication uses.
  const fixedKey = String.fromCharCode(23, 82, 107, 6, 35, 78, 88, 7);
  const stored = execFileSync('vncpasswd', ['-f'], { input: 'secret\n' });
  assert.deepEqual(stored, desEcb(vncAuthKey(fixedKey), Buffer.from('secret\0\0', 'latin1')));
});
