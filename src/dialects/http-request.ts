import type { IncomingHttpHeaders } from 'node:http';

/** A request as every dialect sees it: read whole (bounded), nothing parsed beyond the URL. */
export interface ApiRequest {
  method: string;
  /** Path without the query, still percent-encoded as received. */
  path: string;
  /** The raw query string without '?', as received. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
  receivedAt: number;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function header(request: ApiRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
