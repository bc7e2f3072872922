/**
 * The default compute driver: each instance is a simulated guest in this process, its screen
 * served over RFB on a loopback TCP port of its own, as QEMU's -vnc would. The driver knows
 * nothing of HTTP or storage; core tells it what to run and hears what happens inside.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { ComputeDriver, ConsoleEndpoint, GuestEvent, GuestSpec } from '../../core/compute.js';
import { type RfbConnection, serveRfb } from '../../rfb/server.js';
import type { Guest, GuestOptions } from './guest.js';
import { LinuxGuest } from './linux-guest.js';
import { WindowsGuest } from './windows-guest.js';

export interface SimDriverOptions {
  /** Seconds from start() to the login prompt; default 1.5. Tests use 0. */
  bootSeconds?: number;
}

const HOST = '127.0.0.1';

interface Running {
  guest: Guest;
  server: Server;
  port: number;
  vncPassword: string | null;
  connections: Set<RfbConnection>;
}

type Listener = (instanceId: string, event: GuestEvent) => void;

export class SimDriver implements ComputeDriver {
  private readonly running = new Map<string, Running>();
  private readonly listeners = new Set<Listener>();
  private readonly guestOptions: GuestOptions;

  constructor(options: SimDriverOptions = {}) {
    this.guestOptions = { bootSeconds: options.bootSeconds };
  }

  async start(spec: GuestSpec): Promise<void> {
    if (this.running.has(spec.instanceId)) throw new Error(`${spec.instanceId} is already running`);
    const guest =
      spec.osType === 'windows' ? new WindowsGuest(spec, this.guestOptions) : new LinuxGuest(spec, this.guestOptions);
    const connections = new Set<RfbConnection>();
    const server = createServer((socket: Socket) => {
      const connection = serveRfb(socket, {
        screen: guest.screen,
        input: guest,
        name: `${spec.hostName} (${spec.instanceId})`,
        // Read at each handshake, so setVncPassword applies to the next viewer.
        password: () => entry.vncPassword,
      });
      connections.add(connection);
      void connection.closed.then(() => connections.delete(connection));
    });
    const entry: Running = {
      guest,
      server,
      port: 0,
      vncPassword: spec.vncPassword,
      connections,
    };
    this.running.set(spec.instanceId, entry);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, HOST, () => resolve());
      });
    } catch (error) {
      this.running.delete(spec.instanceId);
      guest.dispose();
      throw error;
    }
    // stop() came while the port was opening: it disposed of the guest but could not close a
    // server that was not listening yet.
    if (this.running.get(spec.instanceId) !== entry) {
      server.close();
      return;
    }
    const address = server.address();
    entry.port = typeof address === 'object' && address ? address.port : 0;
    guest.onEvent((event) => {
      for (const listener of this.listeners) listener(spec.instanceId, event);
    });
    guest.start();
  }

  async stop(instanceId: string): Promise<void> {
    const entry = this.running.get(instanceId);
    if (!entry) return;
    this.running.delete(instanceId);
    const closed = new Promise<void>((resolve) => entry.server.close(() => resolve()));
    for (const connection of entry.connections) connection.close();
    await Promise.all([closed, ...[...entry.connections].map((connection) => connection.closed)]);
    entry.guest.dispose();
  }

  console(instanceId: string): ConsoleEndpoint | null {
    const entry = this.running.get(instanceId);
    return entry ? { host: HOST, port: entry.port } : null;
  }

  isReady(instanceId: string): boolean {
    return this.running.get(instanceId)?.guest.isReady ?? false;
  }

  setVncPassword(instanceId: string, password: string | null): void {
    const entry = this.running.get(instanceId);
    if (entry) entry.vncPassword = password;
  }

  onGuestEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stop(id)));
  }
}
