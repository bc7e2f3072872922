/**
 * The compute driver: what core asks of whatever runs instances (the simulated guest by default,
 * QEMU later). Core owns the lifecycle and decides *when*; a driver only does what it is told and
 * reports what happens inside the guest.
 */
export type OsType = 'linux' | 'windows';

/** Everything a guest needs to boot. Values here are the *applied* configuration, never pending. */
export interface GuestSpec {
  instanceId: string;
  osType: OsType;
  hostName: string;
  /** SHA-512 crypt hash ($6$...) of the admin password (root / Administrator), or null: no login. */
  adminPasswordHash: string | null;
  /** VNC password in plain text (RFB's DES challenge needs it), or null: VNC security type None. */
  vncPassword: string | null;
  /** Decoded user data, run (its output shown) at first boot only. */
  userData: string | null;
  firstBoot: boolean;
  mtu: number;
  vcpus: number;
  memoryMiB: number;
  imageName: string;
}

/** Where the instance's RFB server listens (loopback only). */
export interface ConsoleEndpoint {
  host: string;
  port: number;
}

/** Things that happen inside a guest, which core turns into state changes. */
export type GuestEvent = 'reboot' | 'poweroff';

export interface ComputeDriver {
  /** Boots the guest. Resolves once the console accepts connections (the guest may still be booting). */
  start(spec: GuestSpec): Promise<void>;
  /** Stops the guest and closes its console. A no-op for an unknown id. */
  stop(instanceId: string): Promise<void>;
  /** The console endpoint of a running guest, or null when it has none. */
  console(instanceId: string): ConsoleEndpoint | null;
  /** True once the guest has finished booting (its login prompt or sign-in screen is up). */
  isReady(instanceId: string): boolean;
  /** Changes the VNC password of a running guest at once (I/O optimized instances). */
  setVncPassword(instanceId: string, password: string | null): void;
  /** Subscribes to events raised inside guests; returns a function that unsubscribes. */
  onGuestEvent(listener: (instanceId: string, event: GuestEvent) => void): () => void;
  /** Stops every guest. */
  shutdown(): Promise<void>;
}
