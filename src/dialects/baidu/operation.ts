import type { Core } from '../../core/core.js';
import type { Caller, Instance } from '../../core/model.js';
import type { JsonObject } from './body.js';
import type { ErrorOverrides } from './errors.js';

export interface BaiduSettings {
  /** Base URL browsers use to reach this server, e.g. http://127.0.0.1:8080 (console pages). */
  publicUrl: string;
  /** The region of requests whose Host is no mapped BCC endpoint (region.ts). */
  defaultRegion: string;
}

export interface OperationContext {
  core: Core;
  caller: Caller;
  settings: BaiduSettings;
  /** Chosen by the request's Host (region.ts). */
  regionId: string;
  /** The {instanceId} path segment, decoded; '' for paths without one. */
  instanceId: string;
  /** Query parameters by name (the first of repeated ones). */
  query: Map<string, string>;
  /** The JSON body, parsed on first use. */
  body(): JsonObject;
  /** Decrypts an adminPass with the caller's own key (crypto.ts). */
  adminPass(hex: string): string;
  /** The caller's instance named by the path, in the request's region. */
  instance(): Promise<Instance>;
  /** What the audit record is about when the path names no instance (create). */
  audit: { resourceId?: string | null; detail?: string };
}

export type PathShape = 'instance' | 'instance/{id}' | 'instance/{id}/vnc' | 'token/create';

/**
 * One BCC endpoint: where it is (method, path, action flag), the call into core and the response.
 * The list in operations/index.ts is the only place an endpoint is named.
 */
export interface Operation {
  /** The Go SDK's name for the call; used in audit records and docs. */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: PathShape;
  /** The query flag that selects the action on PUT /instance/{id}: `?start`, `?changePass`, ... */
  action?: string;
  /** Mutating operations are audited, successes and rejections alike. */
  mutating: boolean;
  /** Where Baidu documents its own code for a domain rule. */
  errors?: ErrorOverrides;
  /** The success body: always a JSON object, `{}` at least (the Go SDK fails on an empty 200). */
  handle(ctx: OperationContext): Promise<Record<string, unknown>>;
}

export function defineOperation(operation: Operation): Operation {
  return operation;
}
