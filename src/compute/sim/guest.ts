/**
 * What every simulated guest shares: a text-mode screen, a keyboard, a boot that takes a
 * configurable time, password checks against the spec's crypt hash, and events for core. The
 * Linux and Windows guests supply what they print and how they react to typing.
 */
import { verify } from 'unixcrypt';
import type { GuestEvent, GuestSpec } from '../../core/compute.js';
import type { InputSink } from '../../rfb/framebuffer.js';
import { Keyboard } from './keyboard.js';
import { TerminalScreen } from './terminal-screen.js';

export interface GuestOptions {
  /** How long booting takes, from start() to the login prompt. 0 prints everything at once. */
  bootSeconds?: number;
}

const DEFAULT_BOOT_SECONDS = 1.5;

export abstract class Guest implements InputSink {
  readonly screen = new TerminalScreen();
  /** Resolves once the login prompt (or sign-in screen) is on the screen. */
  readonly ready: Promise<void>;
  protected passwordHash: string | null;
  private readonly keyboard = new Keyboard();
  private readonly listeners = new Set<(event: GuestEvent) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly bootMs: number;
  private readyFlag = false;
  private halted = false;
  private resolveReady: () => void = () => {};

  constructor(
    protected readonly spec: GuestSpec,
    options: GuestOptions = {},
  ) {
    this.passwordHash = spec.adminPasswordHash;
    this.bootMs = (options.bootSeconds ?? DEFAULT_BOOT_SECONDS) * 1000;
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /** True once the guest has finished booting. */
  get isReady(): boolean {
    return this.readyFlag;
  }

  /** The admin account's current crypt hash: the spec's, unless changed inside the guest. */
  get adminPasswordHash(): string | null {
    return this.passwordHash;
  }

  onEvent(listener: (event: GuestEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Powers on: runs the boot steps spread over the boot time, the last one showing the prompt. */
  start(): void {
    const steps = this.bootSteps();
    const interval = steps.length > 1 ? this.bootMs / (steps.length - 1) : 0;
    steps.forEach((step, i) => {
      if (interval === 0) step();
      else this.after(i * interval, step);
    });
  }

  keyEvent(down: boolean, keysym: number): void {
    const action = this.keyboard.keyEvent(down, keysym);
    if (this.halted || !action) return;
    if (action.kind === 'reboot') this.powerDown('reboot');
    else this.input(action.data);
  }

  /** A text console has no use for the mouse. */
  pointerEvent(): void {}

  /** Cancels pending boot output and releases the terminal. */
  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.listeners.clear();
    this.screen.dispose();
  }

  /** The boot, as steps run one after another; the last one calls markReady(). */
  protected abstract bootSteps(): Array<() => void>;

  /** Bytes typed by the user (already turned from keysyms into what a terminal sends). */
  protected abstract input(data: string): void;

  /** What the guest prints on its way down. */
  protected abstract shutdownMessage(event: GuestEvent): string;

  /**
   * Shuts the guest down from the inside and tells core, which decides what happens next (it
   * stops the guest and, for a reboot, starts a new one). Typing is ignored from here on.
   */
  protected powerDown(event: GuestEvent): void {
    this.halted = true;
    this.write(this.shutdownMessage(event));
    this.emit(event);
  }

  protected write(text: string): void {
    this.screen.write(text);
  }

  /** Marks the boot finished once what has been written so far is on the screen. */
  protected markReady(): void {
    void this.screen.settled().then(() => {
      this.readyFlag = true;
      this.resolveReady();
    });
  }

  private emit(event: GuestEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Checks a typed password against the admin hash; with no hash set nobody can log in. */
  protected passwordMatches(password: string): boolean {
    if (this.passwordHash === null) return false;
    try {
      return verify(password, this.passwordHash);
    } catch {
      // A hash unixcrypt cannot read (not $5$/$6$) matches nothing, like a locked account.
      return false;
    }
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }
}
