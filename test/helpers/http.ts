import { Agent, request } from 'node:http';

/** RFC 3986 percent-encoding with `!'()*` encoded too: what Alibaba (protocols.md 1.2) and Baidu sign. */
export const enc = (v: string) =>
  encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

export interface Shot {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/**
 * node:http over one keep-alive Agent: many concurrent connections, reused call after call. Headers
 * go out exactly as given (plus content-length when there is a body), which no SDK or fetch allows.
 */
export class RawClient {
  readonly agent: Agent;

  constructor(
    readonly port: number,
    sockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  send(shot: Shot, timeoutMs = 10_000): Promise<Answer> {
    const payload = shot.body === undefined ? undefined : Buffer.from(shot.body);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: shot.method,
          path: shot.path,
          agent: this.agent,
          headers: { ...shot.headers, ...(payload ? { 'content-length': String(payload.length) } : {}) },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
              ms: performance.now() - started,
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
