import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import type { Admission } from '../core/consoles.js';
import type { Core } from '../core/core.js';
import { DomainError } from '../core/errors.js';
import type { UpgradeRoute } from '../server/http-server.js';
import { connectConsole } from './console-socket.js';
import { type CloseReason, ConsoleRelay } from './session.js';

export interface GatewayOptions {
  /** Sessions without keyboard or mouse input for this long are closed (Alibaba: 60 s). */
  idleMs: number;
}

export const DEFAULT_IDLE_MS = 60_000;

/** A console message never comes near this; anything larger is not a viewer. */
const MAX_MESSAGE_BYTES = 4 << 20;
const CONNECT_TIMEOUT_MS = 5_000;
/** Browsers cannot read a refused upgrade's status: this header and the body tell other clients. */
export const REFUSAL_HEADER = 'x-console-refused';

const PATHS = new Set(['/websockify', '/websockify/']);

/** The HTTP status a refused console connection is answered with. */
function refusalStatus(error: DomainError): number {
  switch (error.code) {
    case 'ConsoleReconnectLimit':
      return 429;
    case 'ConsoleUnavailable':
      return 409;
    case 'InstanceLocked':
      return 403;
    default:
      return 401;
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  409: 'Conflict',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function tokenOf(url: string | undefined): string | null {
  const query = (url ?? '').split('?')[1] ?? '';
  return new URLSearchParams(query).get('s');
}

/** The checks `ws` makes of an upgrade request, made before a token is spent on a request that would fail them. */
function isWebSocketUpgrade(request: IncomingMessage): boolean {
  const key = request.headers['sec-websocket-key'];
  return (
    request.method === 'GET' &&
    (request.headers.upgrade ?? '').toLowerCase() === 'websocket' &&
    request.headers['sec-websocket-version'] === '13' &&
    typeof key === 'string' &&
    /^[+/0-9A-Za-z]{22}==$/.test(key)
  );
}

/** Answers an upgrade request with a plain HTTP error and closes the connection. */
function refuseUpgrade(socket: Duplex, status: number, code: string, message: string): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `${REFUSAL_HEADER}: ${code}\r\n` +
      (status === 429 ? 'Retry-After: 60\r\n' : '') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The console gateway at /websockify/?s=<token>: checks and consumes the token at the HTTP
 * upgrade (before it connects anywhere), then relays the WebSocket to the instance's RFB endpoint.
 * It closes sessions when core says an instance's consoles are invalid, and all of them at shutdown.
 */
export class ConsoleGateway implements UpgradeRoute {
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  private readonly relays = new Map<string, Set<ConsoleRelay>>();
  private readonly ending = new Set<Promise<void>>();
  private closing = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly core: Core,
    private readonly log: Logger,
    private readonly options: GatewayOptions,
  ) {
    const invalidate = (instanceId: string, reason: CloseReason) => {
      for (const relay of this.relays.get(instanceId) ?? []) relay.close(reason);
    };
    core.events.on('consoleInvalidated', invalidate);
    this.unsubscribe = () => core.events.off('consoleInvalidated', invalidate);
  }

  matches(path: string): boolean {
    return PATHS.has(path);
  }

  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = performance.now();
    socket.on('error', () => socket.destroy());
    this.track(
      this.admit(request, socket, head, started).catch((error: unknown) => {
        this.log.error({ err: error }, 'console upgrade failed');
        refuseUpgrade(socket, 500, 'InternalError', 'The console gateway failed.');
      }),
    );
  }

  /**
   * A plain GET of the console URL reports, without consuming the token, what an upgrade would
   * meet: how the page explains a refusal that its WebSocket only shows as "closed".
   */
  serveStatus(request: IncomingMessage, response: ServerResponse): boolean {
    if (!this.matches((request.url ?? '/').split('?')[0]!)) return false;
    const reply = (status: number, body: object) =>
      response
        .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(body));
    const token = tokenOf(request.url);
    if (!token) {
      reply(400, { code: 'ConsoleTokenMissing', message: 'The console link has no token.' });
      return true;
    }
    this.core.consoles.inspect(token).then(
      (error) =>
        error
          ? reply(refusalStatus(error), { code: error.code, message: error.message })
          : reply(200, { code: 'Valid' }),
      (error: unknown) => {
        this.log.error({ err: error }, 'console status failed');
        reply(500, { code: 'InternalError', message: 'The console gateway failed.' });
      },
    );
    return true;
  }

  /**
   * Closes every session with reason 'server shutdown' and refuses new ones; resolves once
   * upgrades in flight are answered and every session's end is audited (the store closes next).
   */
  async close(): Promise<void> {
    this.closing = true;
    this.unsubscribe();
    for (const relays of this.relays.values()) for (const relay of relays) relay.close('server shutdown');
    while (this.ending.size > 0) await Promise.all(this.ending);
  }

  private async admit(request: IncomingMessage, socket: Duplex, head: Buffer, started: number): Promise<void> {
    const clientIp = request.socket.remoteAddress ?? '';
    const refuse = (status: number, code: string, message: string) => {
      this.log.info(
        { path: '/websockify/', status, code, ms: Math.round(performance.now() - started) },
        'console refused',
      );
      refuseUpgrade(socket, status, code, message);
    };
    if (this.closing) return refuse(503, 'ServerShutdown', 'The server is shutting down.');
    if (!isWebSocketUpgrade(request)) return refuse(400, 'BadUpgrade', 'Not a WebSocket upgrade request.');
    const token = tokenOf(request.url);
    if (!token) return refuse(401, 'ConsoleTokenMissing', 'The console link has no token.');

    let admission: Admission;
    try {
      admission = await this.core.consoles.consume(token, clientIp);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return refuse(refusalStatus(error), error.code, error.message);
    }
    const { session, durable } = admission;
    this.track(durable);
    const endpoint = this.core.instances.consoleEndpoint(session.instanceId);
    const tcp =
      endpoint && !socket.destroyed
        ? await connectConsole(endpoint.host, endpoint.port, CONNECT_TIMEOUT_MS).catch(() => null)
        : null;
    if (!tcp || socket.destroyed || this.closing) {
      tcp?.destroy();
      const reason = socket.destroyed ? 'client' : this.closing ? 'server shutdown' : 'console unavailable';
      this.track(this.core.consoles.closed(session, reason));
      return refuse(503, 'ConsoleUnavailable', 'The instance console is not available.');
    }
    const rfb = tcp;
    const ended = new Promise<void>((resolve) => {
      // ws drops an upgrade whose socket went away without calling back: end the session here then.
      const abandoned = () => {
        rfb.destroy();
        this.track(this.core.consoles.closed(session, 'client'));
        resolve();
      };
      socket.once('close', abandoned);
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        socket.off('close', abandoned);
        const relay = new ConsoleRelay(session, ws, rfb, {
          idleMs: this.options.idleMs,
          onEnd: (reason) => {
            this.ended(relay, reason);
            resolve();
          },
        });
        let relays = this.relays.get(session.instanceId);
        if (!relays) this.relays.set(session.instanceId, (relays = new Set()));
        relays.add(relay);
        this.log.info(
          {
            sessionId: session.sessionId,
            instanceId: session.instanceId,
            setupMs: Math.round((performance.now() - started) * 10) / 10,
          },
          'console session open',
        );
      });
    });
    this.track(ended);
  }

  private ended(relay: ConsoleRelay, reason: CloseReason): void {
    const relays = this.relays.get(relay.instanceId);
    relays?.delete(relay);
    if (relays?.size === 0) this.relays.delete(relay.instanceId);
    this.log.info(
      { sessionId: relay.session.sessionId, instanceId: relay.instanceId, reason },
      'console session closed',
    );
    this.track(this.core.consoles.closed(relay.session, reason));
  }

  /** Keeps an audit write in flight visible to close(), which must not let the store go first. */
  private track(write: Promise<void>): void {
    const done = write
      .catch((error: unknown) => this.log.error({ err: error }, 'console audit failed'))
      .finally(() => this.ending.delete(done));
    this.ending.add(done);
  }
}
