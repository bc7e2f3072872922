import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { isoMinute } from '../../src/core/clock.js';
import { pendingChanges } from '../../src/core/guest-spec.js';
import { contains, formatCidr, hostAddress, overlaps, parseCidr, subnet } from '../../src/core/ipv4.js';
import { ACTIONS, isAllowed, nextStatus } from '../../src/core/lifecycle.js';
import type { Instance } from '../../src/core/model.js';
import { hashPassword, SecretBox, verifyPassword } from '../../src/core/secrets.js';
import { NonceCache } from '../../src/dialects/aliyun/nonces.js';

describe('lifecycle table', () => {
  test('actions are allowed only from their documented states', () => {
    assert.ok(isAllowed('start', 'Stopped'));
    for (const status of ['Pending', 'Starting', 'Running', 'Stopping'] as const)
      assert.ok(!isAllowed('start', status));
    assert.ok(isAllowed('stop', 'Running') && isAllowed('reboot', 'Running'));
    assert.ok(!isAllowed('stop', 'Stopped') && !isAllowed('reboot', 'Starting'));
    assert.ok(isAllowed('delete', 'Stopped') && !isAllowed('delete', 'Running'));
    assert.ok(isAllowed('forceDelete', 'Running') && !isAllowed('forceDelete', 'Pending'));
  });

  test('each transitional state walks towards its target one step at a time', () => {
    assert.equal(nextStatus('Pending', 'Running'), 'Starting');
    assert.equal(nextStatus('Starting', 'Running'), 'Running');
    assert.equal(nextStatus('Pending', 'Stopped'), 'Stopped');
    assert.equal(nextStatus('Stopping', 'Stopped'), 'Stopped');
    assert.equal(nextStatus('Stopping', 'Running'), 'Starting', 'a reboot goes down, then up');
    assert.throws(() => nextStatus('Starting', 'Stopped'));
    assert.equal(ACTIONS.reboot.enter, 'Stopping');
  });
});

describe('IPv4 arithmetic', () => {
  test('parses network CIDRs only', () => {
    assert.deepEqual(parseCidr('10.0.0.0/16'), { base: 0x0a000000, prefix: 16 });
    assert.equal(parseCidr('10.0.0.1/16'), null, 'host bits set');
    assert.equal(parseCidr('300.0.0.0/8'), null);
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0.0'), null);
  });

  test('subnets, containment, overlap and addresses', () => {
    const vpc = parseCidr('172.16.0.0/12')!;
    assert.equal(formatCidr(subnet(vpc, 20, 1)), '172.16.16.0/20');
    assert.ok(contains(vpc, parseCidr('172.31.0.0/16')!));
    assert.ok(!contains(vpc, parseCidr('172.32.0.0/16')!));
    assert.ok(overlaps(parseCidr('10.0.1.0/24')!, parseCidr('10.0.1.128/25')!));
    assert.ok(!overlaps(parseCidr('10.0.1.0/24')!, parseCidr('10.0.2.0/24')!));
    assert.equal(hostAddress(parseCidr('10.0.1.0/24')!, 2), '10.0.1.2');
  });
});

describe('secrets at rest', () => {
  test('SecretBox round-trips, and a tampered or foreign value does not open', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('Vnc123');
    assert.ok(!sealed.includes('Vnc123'));
    assert.notEqual(box.seal('Vnc123'), sealed, 'a fresh IV every time');
    assert.equal(box.open(sealed), 'Vnc123');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('Vnc124').toString('base64url');
    assert.throws(() => box.open(parts.join('.')));
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed));
  });

  test('admin passwords become salted SHA-512 crypt hashes', () => {
    const hash = hashPassword('Test123456&$');
    assert.match(hash, /^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
    assert.notEqual(hashPassword('Test123456&$'), hash, 'salted');
    assert.ok(verifyPassword('Test123456&$', hash));
    assert.ok(!verifyPassword('Test123456&%', hash));
  });
});

describe('SignatureNonce cache', () => {
  test('a nonce is accepted once per window, per access key, and forgotten after it', () => {
    const cache = new NonceCache(1000);
    assert.ok(cache.claim('ak', 'n1', 0));
    assert.ok(!cache.claim('ak', 'n1', 500));
    assert.ok(cache.claim('other', 'n1', 500));
    assert.ok(cache.claim('ak', 'n1', 1001), 'expired with its window');
  });
});

describe('pending changes are derived from accepted vs applied', () => {
  const base = { hostName: 'a', passwordHash: 'h1', vncPasswordSealed: 'v1', enableJumboFrame: false } as Instance;
  test('nothing is pending before the first boot or when the guest matches', () => {
    assert.deepEqual(pendingChanges({ ...base, guest: null }), []);
    assert.deepEqual(
      pendingChanges({ ...base, guest: { hostName: 'a', passwordHash: 'h1', vncPasswordSealed: 'v1', mtu: 1500 } }),
      [],
    );
  });
  test('each differing attribute is listed with what applies it', () => {
    const changes = pendingChanges({
      ...base,
      hostName: 'b',
      enableJumboFrame: true,
      guest: { hostName: 'a', passwordHash: 'h0', vncPasswordSealed: 'v1', mtu: 1500 },
    });
    assert.deepEqual(
      changes.map((c) => c.attribute),
      ['HostName', 'Password', 'MTU'],
    );
    assert.match(changes[0]!.appliesOn, /RebootInstance/);
  });
});

describe('timestamps', () => {
  test('isoMinute is ISO 8601 UTC to the minute, remembered per minute without mixing minutes up', () => {
    const at = Date.UTC(2026, 10, 23, 5, 52);
    assert.equal(isoMinute(at), '2026-11-23T05:52Z');
    assert.equal(isoMinute(at + 59_999), '2026-11-23T05:52Z');
    assert.equal(isoMinute(at + 60_000), '2026-11-23T05:53Z');
    assert.equal(isoMinute(at - 1), '2026-11-23T05:51Z');
    for (let ms = at - 3 * 86_400_000; ms < at; ms += 7_777_777) {
      assert.equal(isoMinute(ms), new Date(ms).toISOString().slice(0, 16) + 'Z');
    }
  });
});
