import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiRequest, ApiResponse } from '../dialects/http-request.js';
import type { Logger } from 'pino';

/** Request bodies larger than this are refused before they are read (UserData's 32 KB fits easily). */
export const MAX_BODY_BYTES = 256 * 1024;
/** V3 requests carry every parameter in the query string; base64 UserData alone can be 44 KB. */
export const MAX_URL_BYTES = 96 * 1024;
/**
 * Node refuses heads beyond this before any route sees them; it is above MAX_URL_BYTES so that a
 * long URL reaches its route and is refused there, in the dialect's own format.
 */
const MAX_HEADER_BYTES = 256 * 1024;

export interface Route {
  /** Does this route serve the path? */
  matches(path: string): boolean;
  handle(request: ApiRequest): Promise<ApiResponse>;
  /** Answers a request refused before it was read (too large), in the route's own dialect. */
  refuse(status: number, reason: string): ApiResponse;
}

export interface UpgradeRoute {
  matches(path: string): boolean;
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface HttpServerOptions {
  routes: Route[];
  upgrades: UpgradeRoute[];
  /** Serves anything that is not an API: /healthz, static pages. Returns false when it does not. */
  serveOther(request: IncomingMessage, response: ServerResponse): boolean;
  log: Logger;
}

/**
 * Sends API answers at the end of the event loop's turn rather than each as soon as it is ready.
 * setImmediate runs once the poll phase has handled every request that arrived together, so their
 * answers leave back to back: a client waiting on many connections then wakes once for the lot
 * instead of once per answer, and sends its next requests together too. Under load this cut a
 * Describe's server CPU by a quarter (BENCHMARKS.md, change 17); a lone request waits only for the
 * end of its own turn.
 */
class AnswersAtTurnEnd {
  private pending: { response: ServerResponse; body: string }[] = [];

  send(response: ServerResponse, answer: ApiResponse): void {
    response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
    if (this.pending.push({ response, body: answer.body }) === 1) setImmediate(() => this.flush());
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    for (const { response, body } of batch) response.end(body);
  }
}

const NO_BODY = Buffer.alloc(0);

/** Reads the whole body, or resolves null as soon as it passes MAX_BODY_BYTES (and stops reading). */
function readBody(request: IncomingMessage): Promise<Buffer | null> {
  // Neither Content-Length nor Transfer-Encoding, or a Content-Length of 0: no body (RFC 9112,
  // 6.3), nothing to wait for. Most SDK calls are such, their parameters in the query; Node
  // discards the request stream's end once the response is sent.
  if (request.headers['transfer-encoding'] === undefined && Number(request.headers['content-length'] ?? 0) === 0) {
    return Promise.resolve(NO_BODY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.off('data', onData);
        request.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Answers a request refused before it was read whole, then drops the connection it came on. */
function refuseAndClose(answers: AnswersAtTurnEnd, response: ServerResponse, answer: ApiResponse): void {
  response.setHeader('connection', 'close');
  response.once('finish', () => response.socket?.destroy());
  answers.send(response, answer);
}

/**
 * The one HTTP port: each request goes to the first route whose path matches. Every request is
 * logged by method, path and status only: queries and bodies may hold secrets.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const server = createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout: 30_000,
    headersTimeout: 10_000,
    // Node enforces the two timeouts above only when it sweeps connections, every 30 s by default:
    // a stalled head would then hold its socket for up to 40 s instead of 10.
    connectionsCheckingInterval: 1_000,
    keepAliveTimeout: 5_000,
  });
  // The request line's fields are fixed (method, path, status, time) and hold nothing to redact;
  // the redaction pass alone cost more per line than writing it (BENCHMARKS.md, api).
  const requestLog = options.log.child({}, { redact: [] });
  const answers = new AnswersAtTurnEnd();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    response.on('finish', () =>
      requestLog.info(
        { method: request.method, path, status: response.statusCode, ms: Math.round(performance.now() - started) },
        'request',
      ),
    );
    const route = options.routes.find((r) => r.matches(path));
    if (!route) {
      if (!options.serveOther(request, response)) {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
      }
      return;
    }
    if (url.length > MAX_URL_BYTES)
      return refuseAndClose(answers, response, route.refuse(414, `the request URL exceeds ${MAX_URL_BYTES} bytes`));
    const tooLarge = () => route.refuse(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`);
    if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES)
      return refuseAndClose(answers, response, tooLarge());
    readBody(request)
      .then(async (body) => {
        if (body === null) return refuseAndClose(answers, response, tooLarge());
        const answer = await route.handle({
          method: request.method ?? 'GET',
          path,
          rawQuery: queryAt < 0 ? '' : url.slice(queryAt + 1),
          headers: request.headers,
          body,
          sourceIp: request.socket.remoteAddress ?? '',
          receivedAt: Date.now(),
        });
        answers.send(response, answer);
      })
      .catch((error: unknown) => {
        // The body never arrived whole (the client went away, or requestTimeout closed it): no one
        // is left to answer and nothing failed here.
        if (!request.complete) return void options.log.info({ method: request.method, path }, 'request abandoned');
        options.log.error({ err: error, path }, 'request failed');
        if (!response.headersSent) answers.send(response, route.refuse(500, 'internal error'));
        else response.destroy();
      });
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (request.url ?? '/').split('?')[0]!;
    const route = options.upgrades.find((r) => r.matches(path));
    if (!route) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    route.upgrade(request, socket, head);
  });
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable) return socket.destroy();
    // Node could not parse the request, or it did not arrive in time, so no route saw it: answer in
    // the dialect of the path on its request line if one was read, else in the default (Alibaba) one.
    const headTooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const timedOut = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const [code, reason] = headTooLarge
      ? [431, 'the request line and headers are too large']
      : timedOut
        ? [408, 'the request was not received in time']
        : [400, 'the request is not valid HTTP'];
    const path = /^[A-Z]+ (\/[^\s?]*)/.exec(error.rawPacket?.subarray(0, 2048).toString('latin1') ?? '')?.[1];
    const route = (path !== undefined && options.routes.find((r) => r.matches(path))) || options.routes[0]!;
    const answer = route.refuse(code, reason);
    const status = `${answer.status} ${STATUS_CODES[answer.status] ?? ''}`;
    const headers = Object.entries({
      ...answer.headers,
      'content-length': String(Buffer.byteLength(answer.body)),
      connection: 'close',
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    // A response to HEAD carries no body, even when the request around it was unreadable.
    const isHead = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
    socket.end(`HTTP/1.1 ${status}\r\n${headers}\r\n${isHead ? '' : answer.body}`);
  });
  return server;
}
