import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { ConsoleSession } from '../core/consoles.js';
import { ClientStreamParser } from '../rfb/client-stream.js';
import { receive } from './console-socket.js';

/** Why a console session ended: recorded in the audit trail and told to the browser. */
export type CloseReason =
  | 'client'
  | 'idle'
  | 'instance stopped'
  | 'instance deleted'
  | 'password changed'
  | 'server shutdown'
  | 'console closed'
  | 'protocol error';

/**
 * WebSocket close codes the console page turns into plain words. 4000-4999 are for applications
 * (RFC 6455 7.4.2); the reason text says the same for any other client.
 */
export const CLOSE_FRAMES: Record<
  Exclude<CloseReason, 'client'>,
  { code: number; text: (idleSeconds: number) => string }
> = {
  idle: { code: 4000, text: (s) => `idle: no keyboard or mouse input for ${s} s` },
  'instance stopped': { code: 4001, text: () => 'instance stopped' },
  'instance deleted': { code: 4002, text: () => 'instance deleted' },
  'password changed': { code: 4003, text: () => 'VNC password changed' },
  'server shutdown': { code: 1001, text: () => 'server shutdown' },
  'console closed': { code: 1000, text: () => 'console closed' },
  'protocol error': { code: 1002, text: () => 'not an RFB stream this gateway can follow' },
};

/** Above this many bytes queued towards the browser, stop reading from the console. */
const BROWSER_HIGH_WATER = 1 << 20;
/** How long a closing peer gets to finish its close handshake before its socket is destroyed. */
const CLOSE_GRACE_MS = 3_000;

export interface RelayOptions {
  idleMs: number;
  /** Called once, when both sides are closed, with the reason that ended the session. */
  onEnd: (reason: CloseReason) => void;
}

/**
 * One console session: relays binary WebSocket messages to the instance's RFB endpoint and its
 * bytes back, with backpressure both ways. It follows the client's RFB stream (never altering
 * it) to see keyboard and mouse input, and ends the session after idleMs without any: update
 * requests alone, which every viewer sends forever, do not keep it alive.
 */
export class ConsoleRelay {
  private reason: CloseReason | null = null;
  private readonly idleTimer: NodeJS.Timeout;
  private readonly parser: ClientStreamParser;
  private wsClosed = false;
  private tcpClosed = false;
  private ended = false;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly session: ConsoleSession,
    private readonly ws: WebSocket,
    /** From connectConsole. */
    private readonly tcp: Socket,
    private readonly options: RelayOptions,
  ) {
    this.parser = new ClientStreamParser({
      input: () => this.idleTimer.refresh(),
      error: () => this.close('protocol error'),
    });
    this.idleTimer = setTimeout(() => this.close('idle'), options.idleMs);
    tcp.setNoDelay(true);

    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (this.reason !== null) return;
      if (!isBinary) return this.close('protocol error');
      this.parser.fromClient(data);
      // A stream the parser gave up on is not forwarded: the session is already closing.
      if (this.reason === null && !tcp.write(data)) ws.pause();
    });
    tcp.on('drain', () => ws.resume());

    receive(tcp, (bytes, sent) => {
      if (this.wsClosed) return sent?.();
      this.parser.fromServer(bytes);
      // One callback per read (256 KiB at most): it hands the buffer back and lifts backpressure.
      ws.send(bytes, { binary: true }, () => {
        sent?.();
        if (tcp.isPaused() && ws.bufferedAmount < BROWSER_HIGH_WATER / 2) tcp.resume();
      });
      if (ws.bufferedAmount > BROWSER_HIGH_WATER) tcp.pause();
    });

    ws.on('close', () => {
      this.wsClosed = true;
      this.close('client');
      this.settle();
    });
    ws.on('error', () => this.close('client'));
    tcp.on('end', () => this.close('console closed'));
    tcp.on('error', () => this.close('console closed'));
    tcp.on('close', () => {
      this.tcpClosed = true;
      this.close('console closed');
      this.settle();
    });
  }

  get instanceId(): string {
    return this.session.instanceId;
  }

  /** Ends the session for `reason` (the first reason given wins), closing both sides cleanly. */
  close(reason: CloseReason): void {
    if (this.reason !== null) return;
    this.reason = reason;
    clearTimeout(this.idleTimer);
    if (!this.wsClosed && reason !== 'client') {
      const frame = CLOSE_FRAMES[reason];
      // Queued after any console bytes still on their way, so the browser sees them first.
      this.ws.close(frame.code, frame.text(Math.round(this.options.idleMs / 1000)));
    }
    this.tcp.end();
    this.graceTimer = setTimeout(() => {
      this.ws.terminate();
      this.tcp.destroy();
    }, CLOSE_GRACE_MS);
    this.settle();
  }

  private settle(): void {
    if (this.ended || this.reason === null || !this.wsClosed || !this.tcpClosed) return;
    this.ended = true;
    clearTimeout(this.graceTimer);
    this.options.onEnd(this.reason);
  }
}
