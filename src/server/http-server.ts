import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ApiRequest, ApiResponse } from '../dialects/http-request.js';
import type { Logger } from 'pino';

/** Request bodies larger than this are refused before they are read (UserData's 32 KB fits easily). */
export const MAX_BODY_BYTES = 256 * 1024;
/** V3 requests carry every parameter in the query string; base64 UserData alone can be 44 KB. */
const MAX_HEADER_BYTES = 96 * 1024;

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

function send(response: ServerResponse, answer: ApiResponse): void {
  response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
  response.end(answer.body);
}

function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
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
    keepAliveTimeout: 5_000,
  });
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const started = performance.now();
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    response.on('finish', () =>
      options.log.info(
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
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      response.setHeader('connection', 'close');
      send(response, route.refuse(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`));
      return;
    }
    readBody(request)
      .then(async (body) => {
        if (body === null) {
          response.setHeader('connection', 'close');
          return send(response, route.refuse(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`));
        }
        const answer = await route.handle({
          method: request.method ?? 'GET',
          path,
          rawQuery: queryAt < 0 ? '' : url.slice(queryAt + 1),
          headers: request.headers,
          body,
          sourceIp: request.socket.remoteAddress ?? '',
          receivedAt: Date.now(),
        });
        send(response, answer);
      })
      .catch((error: unknown) => {
        options.log.error({ err: error, path }, 'request failed');
        if (!response.headersSent) send(response, route.refuse(500, 'internal error'));
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
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return server;
}
