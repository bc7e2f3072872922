/**
 * The relay benchmarks' openecs: startServer() exactly as `openecs serve` runs it, with one bench
 * hook in its compute driver. The simulated guests run as usual; the parent may point one
 * instance's console endpoint at another RFB server (the synthetic source of rfb-source.ts),
 * which is what QEMU's -vnc port is to the gateway: a loopback TCP endpoint it relays to. The
 * gateway's code path does not change. Console policy limits are raised so that the benchmarks
 * can open many sessions per instance and minute; the checks themselves still run.
 */
import type { ComputeDriver, ConsoleEndpoint, GuestSpec } from '../../src/core/compute.js';
import { SimDriver } from '../../src/compute/sim/sim-driver.js';
import { startServer } from '../../src/server/app.js';
import { createLogger } from '../../src/server/logger.js';

class RedirectingDriver implements ComputeDriver {
  readonly redirects = new Map<string, ConsoleEndpoint>();

  constructor(private readonly sim: SimDriver) {}

  start(spec: GuestSpec) {
    return this.sim.start(spec);
  }
  stop(instanceId: string) {
    return this.sim.stop(instanceId);
  }
  console(instanceId: string) {
    return this.redirects.get(instanceId) ?? this.sim.console(instanceId);
  }
  isReady(instanceId: string) {
    return this.sim.isReady(instanceId);
  }
  setVncPassword(instanceId: string, password: string | null) {
    this.sim.setVncPassword(instanceId, password);
  }
  onGuestEvent(listener: Parameters<ComputeDriver['onGuestEvent']>[0]) {
    return this.sim.onGuestEvent(listener);
  }
  shutdown() {
    return this.sim.shutdown();
  }
}

export type ConsoleServerCommand =
  { op: 'console'; instanceId: string } | { op: 'redirect'; instanceId: string; port: number } | { op: 'memory' };
type ConsoleServerRequest = ConsoleServerCommand & { id: number };
export interface ConsoleServerReply {
  endpoint?: ConsoleEndpoint | null;
  memory?: NodeJS.MemoryUsage;
}

const driver = new RedirectingDriver(new SimDriver({ bootSeconds: 0 }));
const server = await startServer(
  {
    host: '127.0.0.1',
    port: 0,
    dataDir: process.argv[2]!,
    transitionSeconds: 0.1,
    bootSeconds: 0,
    consoleUrlTtlSeconds: 600,
    consoleIdleSeconds: 3600,
    consoleReconnectsPerMinute: 1_000_000,
  },
  createLogger(),
  driver,
);
process.on('message', (request: ConsoleServerRequest) => {
  if (request.op === 'memory') {
    // Collected first (the helper runs with --expose-gc): garbage is not what a session costs.
    (globalThis as { gc?: () => void }).gc?.();
    return void process.send!({ id: request.id, memory: process.memoryUsage() });
  }
  if (request.op === 'redirect') driver.redirects.set(request.instanceId, { host: '127.0.0.1', port: request.port });
  process.send!({ id: request.id, endpoint: driver.console(request.instanceId) });
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
process.send!({ url: server.url, port: server.port, pid: process.pid });
