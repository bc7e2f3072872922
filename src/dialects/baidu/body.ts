import { bce } from './errors.js';

export type JsonObject = Record<string, unknown>;

/**
 * A request body as BCC reads it: JSON, whatever the Content-Type says (the Python SDK sends none).
 * An empty body is an empty object. The parser's own message is not repeated: it quotes the body,
 * which may hold a password.
 */
export function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw bce.malformedJson('the body is not UTF-8 text');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bce.malformedJson('the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bce.inappropriateJson('the body must be a JSON object');
  }
  return value as JsonObject;
}

const wrongType = (name: string, type: string) => bce.inappropriateJson(`${name} must be ${type}`);

/** Typed reads of body members. A null member counts as absent, as Go's omitempty would leave it out. */
export const field = {
  string(object: JsonObject, name: string, options: { required?: boolean } = {}): string | undefined {
    const value = object[name] ?? undefined;
    if (value === undefined) {
      if (options.required) throw bce.inappropriateJson(`${name} is required`);
      return undefined;
    }
    if (typeof value !== 'string') throw wrongType(name, 'a string');
    return value;
  },
  boolean(object: JsonObject, name: string): boolean | undefined {
    const value = object[name] ?? undefined;
    if (value !== undefined && typeof value !== 'boolean') throw wrongType(name, 'true or false');
    return value;
  },
  integer(object: JsonObject, name: string, range: { min: number; max: number }): number | undefined {
    const value = object[name] ?? undefined;
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
      throw wrongType(name, `an integer from ${range.min} to ${range.max}`);
    }
    return value;
  },
  object(object: JsonObject, name: string): JsonObject | undefined {
    const value = object[name] ?? undefined;
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(name, 'an object');
    return value as JsonObject;
  },
  objects(object: JsonObject, name: string, max: number): JsonObject[] {
    const value = object[name] ?? undefined;
    if (value === undefined) return [];
    if (
      !Array.isArray(value) ||
      value.length > max ||
      value.some((v) => typeof v !== 'object' || v === null || Array.isArray(v))
    ) {
      throw wrongType(name, `a list of at most ${max} objects`);
    }
    return value as JsonObject[];
  },
};
