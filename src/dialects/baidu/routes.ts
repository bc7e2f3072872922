import { bce } from './errors.js';
import type { Operation, PathShape } from './operation.js';

/** API versions served: the Go and Python SDKs use /v2, the Node SDKs /v1; the endpoints are the same. */
const VERSIONED = /^\/v[12](\/.*)$/;

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw bce.uri('malformed percent-encoding in the path');
  }
}

function shapeOf(segments: string[]): { shape: PathShape; instanceId: string } | null {
  const [first, second, third, ...rest] = segments;
  if (rest.length) return null;
  if (first === 'instance' && second === undefined) return { shape: 'instance', instanceId: '' };
  if (first === 'instance' && second && third === undefined)
    return { shape: 'instance/{id}', instanceId: decodeSegment(second) };
  if (first === 'instance' && second && third === 'vnc')
    return { shape: 'instance/{id}/vnc', instanceId: decodeSegment(second) };
  if (first === 'token' && second === 'create' && third === undefined) return { shape: 'token/create', instanceId: '' };
  return null;
}

export interface Resolved {
  operation: Operation;
  instanceId: string;
}

/**
 * Finds the operation a request is for: by method and path, then, where several share them
 * (PUT /instance/{id}), by the one action flag in the query (`?start`, `?changePass=`, ...).
 */
export function resolve(
  operations: readonly Operation[],
  method: string,
  path: string,
  query: Map<string, string>,
): Resolved {
  const segments = VERSIONED.exec(path)?.[1]?.split('/').slice(1);
  if (segments?.at(-1) === '') segments.pop(); // a trailing slash
  const match = segments && shapeOf(segments);
  if (!match) throw bce.uri(`${path} is no BCC endpoint`);
  const candidates = operations.filter((op) => op.path === match.shape && op.method === method);
  if (candidates.length === 0) throw bce.uri(`${method} is not served on ${path}`);
  const flagged = candidates.filter((op) => op.action !== undefined && query.has(op.action));
  if (flagged.length > 1)
    throw bce.uri(`the query names more than one action: ${flagged.map((op) => op.action).join(', ')}`);
  const operation = flagged[0] ?? candidates.find((op) => op.action === undefined);
  if (!operation) {
    const actions = candidates.map((op) => `?${op.action}`).join(', ');
    throw bce.uri(`${method} ${path} needs an action in the query: one of ${actions}`);
  }
  return { operation, instanceId: match.instanceId };
}
