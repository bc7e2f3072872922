import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { GuestEvent } from '../../src/core/compute.js';
import { SimDriver } from '../../src/compute/sim/sim-driver.js';
import { PASSWORD, XK_RETURN, linuxSpec } from './helpers.js';

/** A raw RFB client socket with a "read exactly n bytes" helper. */
class RawClient {
  private buffered = Buffer.alloc(0);
  private wanted: { size: number; resolve: (data: Buffer) => void } | null = null;
  readonly closed: Promise<unknown>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.deliver();
    });
    this.closed = once(socket, 'close');
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RawClient(socket);
  }

  read(size: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.wanted = { size, resolve };
      this.deliver();
    });
  }

  /** Version 3.8, security None, shared ClientInit; returns the ServerInit's size and name. */
  async handshake(): Promise<{ width: number; height: number; name: string }> {
    assert.equal((await this.read(12)).toString('latin1'), 'RFB 003.008\n');
    this.socket.write('RFB 003.008\n');
    assert.deepEqual([...(await this.read(2))], [1, 1], 'one security type: None');
    this.socket.write(Buffer.of(1));
    assert.equal((await this.read(4)).readUInt32BE(0), 0, 'SecurityResult ok');
    this.socket.write(Buffer.of(1));
    const init = await this.read(24);
    const name = await this.read(init.readUInt32BE(20));
    return {
      width: init.readUInt16BE(0),
      height: init.readUInt16BE(2),
      name: name.toString('utf8'),
    };
  }

  key(keysym: number): void {
    for (const down of [1, 0]) {
      const message = Buffer.alloc(8);
      message[0] = 4;
      message[1] = down;
      message.writeUInt32BE(keysym, 4);
      this.socket.write(message);
    }
  }

  type(text: string): void {
    for (const char of text) this.key(char === '\n' ? XK_RETURN : (char.codePointAt(0) ?? 0));
  }

  private deliver(): void {
    if (!this.wanted || this.buffered.length < this.wanted.size) return;
    const { size, resolve } = this.wanted;
    this.wanted = null;
    resolve(this.buffered.subarray(0, size));
    this.buffered = this.buffered.subarray(size);
  }
}

async function untilReady(driver: SimDriver, id: string): Promise<void> {
  while (!driver.isReady(id)) await new Promise((resolve) => setTimeout(resolve, 5));
}

test('start opens an RFB console on a loopback port; stop closes it', async () => {
  const driver = new SimDriver({ bootSeconds: 0 });
  const spec = linuxSpec();
  await driver.start(spec);
  const endpoint = driver.console(spec.instanceId);
  assert.ok(endpoint);
  assert.equal(endpoint.host, '127.0.0.1');
  const client = await RawClient.open(endpoint.port);
  assert.equal((await client.read(12)).toString('latin1'), 'RFB 003.008\n');

  await driver.stop(spec.instanceId);
  await client.closed;
  assert.equal(driver.console(spec.instanceId), null);
  assert.equal(driver.isReady(spec.instanceId), false);
  const refused = connect(endpoint.port, '127.0.0.1');
  const [error] = await once(refused, 'error');
  assert.equal((error as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  await driver.stop(spec.instanceId);
  await driver.stop('i-unknown');
});

test('the console shows the guest: 640x400, named after it, and keys reach it', async () => {
  const driver = new SimDriver({ bootSeconds: 0 });
  const spec = linuxSpec();
  const seen: Array<[string, GuestEvent]> = [];
  driver.onGuestEvent((id, event) => seen.push([id, event]));
  await driver.start(spec);
  await untilReady(driver, spec.instanceId);
  const client = await RawClient.open(driver.console(spec.instanceId)?.port ?? 0);
  assert.deepEqual(await client.handshake(), {
    width: 640,
    height: 400,
    name: 'web-01 (i-sim0001)',
  });

  client.type(`root\n${PASSWORD}\nreboot\n`);
  while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(seen, [['i-sim0001', 'reboot']]);
  await driver.shutdown();
  await client.closed;
});

test('the VNC password is read per connection; existing viewers stay connected', async () => {
  const driver = new SimDriver({ bootSeconds: 0 });
  const spec = linuxSpec({ vncPassword: '123456' });
  await driver.start(spec);
  const port = driver.console(spec.instanceId)?.port ?? 0;
  const first = await RawClient.open(port);
  await first.read(12);
  first.socket.write('RFB 003.008\n');
  assert.deepEqual([...(await first.read(2))], [1, 2], 'VNC authentication');

  driver.setVncPassword(spec.instanceId, null);
  const second = await RawClient.open(port);
  await second.handshake();
  assert.equal(first.socket.destroyed, false);
  await driver.shutdown();
  await Promise.all([first.closed, second.closed]);
});

test('each instance gets its own port; starting a running one is an error', async () => {
  const driver = new SimDriver({ bootSeconds: 0 });
  const linux = linuxSpec();
  const windows = linuxSpec({ instanceId: 'i-sim0002', osType: 'windows' });
  await driver.start(linux);
  await driver.start(windows);
  await assert.rejects(driver.start(linux), /already running/);
  assert.notEqual(driver.console(linux.instanceId)?.port, driver.console(windows.instanceId)?.port);
  await untilReady(driver, windows.instanceId);
  await driver.shutdown();
  assert.equal(driver.console(windows.instanceId), null);
});

test('unsubscribed listeners hear nothing', async () => {
  const driver = new SimDriver({ bootSeconds: 0 });
  const spec = linuxSpec();
  const gone: GuestEvent[] = [];
  const kept: GuestEvent[] = [];
  driver.onGuestEvent((_, event) => kept.push(event));
  const unsubscribe = driver.onGuestEvent((_, event) => gone.push(event));
  unsubscribe();
  await driver.start(spec);
  await untilReady(driver, spec.instanceId);
  const client = await RawClient.open(driver.console(spec.instanceId)?.port ?? 0);
  await client.handshake();
  client.type(`root\n${PASSWORD}\npoweroff\n`);
  while (kept.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.deepEqual(kept, ['poweroff']);
  assert.deepEqual(gone, []);
  await driver.shutdown();
});
