import { AliyunError, gateway } from './errors.js';

/**
 * Operation parameters as data: each operation file declares its parameters with these builders,
 * and the same declarations drive parsing, validation, the router and the docs' coverage table.
 *
 * A rule belongs to the API contract (Alibaba's name and password rules): it names the error code
 * and HTTP status the documentation gives for breaking it.
 */
export interface Rule<T> {
  /** Human-readable statement of the rule, for the docs table. */
  describe: string;
  test: (value: T) => boolean;
  code: string;
  status?: number;
  message: string;
}

interface Common {
  required?: boolean;
  description?: string;
}

/** Scalar parameters may carry contract rules; structured ones are checked by their fields. */
interface Ruled<T> extends Common {
  rules?: Rule<T>[];
}

export interface StringSpec extends Ruled<string> {
  kind: 'string';
  enum?: readonly string[];
  maxLength?: number;
}
export interface IntegerSpec extends Ruled<number> {
  kind: 'integer';
  min?: number;
  max?: number;
}
export interface BooleanSpec extends Ruled<boolean> {
  kind: 'boolean';
}
/** `Name.1=a&Name.2=b` */
export interface ListSpec extends Ruled<string[]> {
  kind: 'list';
  max: number;
}
/** `Name=["a","b"]`, a JSON array in one parameter */
export interface JsonListSpec extends Ruled<string[]> {
  kind: 'jsonList';
  max: number;
}
/** `Name.Field=v` */
export interface ObjectSpec<F extends Fields = Fields> extends Common {
  kind: 'object';
  fields: F;
}
/** `Name.1.Field=v` */
export interface ObjectListSpec<F extends Fields = Fields> extends Common {
  kind: 'objectList';
  fields: F;
  max: number;
}

export type ParamSpec = StringSpec | IntegerSpec | BooleanSpec | ListSpec | JsonListSpec | ObjectSpec | ObjectListSpec;
export type Fields = Record<string, ParamSpec>;

type Value<S> = S extends StringSpec
  ? string
  : S extends IntegerSpec
    ? number
    : S extends BooleanSpec
      ? boolean
      : S extends ListSpec | JsonListSpec
        ? string[]
        : S extends ObjectSpec<infer F>
          ? Parsed<F>
          : S extends ObjectListSpec<infer F>
            ? Parsed<F>[]
            : never;

type RequiredKeys<F> = { [K in keyof F]: F[K] extends { required: true } ? K : never }[keyof F];
export type Parsed<F> = { [K in RequiredKeys<F>]: Value<F[K]> } & {
  [K in Exclude<keyof F, RequiredKeys<F>>]?: Value<F[K]>;
};

export const p = {
  string: <O extends Omit<StringSpec, 'kind'>>(options?: O) => ({ kind: 'string', ...options }) as StringSpec & O,
  integer: <O extends Omit<IntegerSpec, 'kind'>>(options?: O) => ({ kind: 'integer', ...options }) as IntegerSpec & O,
  boolean: <O extends Omit<BooleanSpec, 'kind'>>(options?: O) => ({ kind: 'boolean', ...options }) as BooleanSpec & O,
  list: <O extends Omit<ListSpec, 'kind'>>(options: O) => ({ kind: 'list', ...options }) as ListSpec & O,
  jsonList: <O extends Omit<JsonListSpec, 'kind'>>(options: O) =>
    ({ kind: 'jsonList', ...options }) as JsonListSpec & O,
  object: <F extends Fields, O extends Common = object>(fields: F, options?: O) =>
    ({ kind: 'object', fields, ...options }) as NoInfer<ObjectSpec<F> & O>,
  objectList: <F extends Fields, O extends Common & { max: number }>(fields: F, options: O) =>
    ({ kind: 'objectList', fields, ...options }) as NoInfer<ObjectListSpec<F> & O>,
};

function ruleError(rule: Rule<never>): AliyunError {
  return new AliyunError(rule.code, rule.status ?? 400, rule.message);
}

/** Indexed members `prefix.N...` present in params, by N ascending. */
function indexed(params: Map<string, string>, prefix: string, name: string, max: number): number[] {
  const indexes = new Set<number>();
  for (const key of params.keys()) {
    if (!key.startsWith(prefix + '.')) continue;
    const n = key.slice(prefix.length + 1).split('.')[0]!;
    if (!/^[1-9]\d{0,3}$/.test(n)) throw gateway.invalid(`${name}.N`, `"${key}" has no valid index.`);
    indexes.add(Number(n));
  }
  const sorted = [...indexes].sort((a, b) => a - b);
  if (sorted.length > max || (sorted.at(-1) ?? 0) > max)
    throw gateway.invalid(name, `At most ${max} members are allowed.`);
  return sorted;
}

function parseOne(spec: ParamSpec, name: string, params: Map<string, string>): unknown {
  switch (spec.kind) {
    case 'string': {
      const value = params.get(name);
      if (value === undefined) return undefined;
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        throw gateway.invalid(name, `At most ${spec.maxLength} characters.`);
      if (spec.enum && !spec.enum.includes(value))
        throw gateway.invalid(name, `Valid values: ${spec.enum.join(', ')}.`);
      return value;
    }
    case 'integer': {
      const value = params.get(name);
      if (value === undefined) return undefined;
      if (!/^-?\d{1,15}$/.test(value)) throw gateway.invalid(name, 'An integer is expected.');
      const n = Number(value);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) {
        throw gateway.invalid(name, `The value must be between ${spec.min ?? '-∞'} and ${spec.max ?? '∞'}.`);
      }
      return n;
    }
    case 'boolean': {
      const value = params.get(name);
      if (value === undefined) return undefined;
      if (!/^(true|false)$/i.test(value)) throw gateway.invalid(name, 'true or false is expected.');
      return value.toLowerCase() === 'true';
    }
    case 'list': {
      const indexes = indexed(params, name, name, spec.max);
      return indexes.length ? indexes.map((n) => params.get(`${name}.${n}`) ?? '') : undefined;
    }
    case 'jsonList': {
      const value = params.get(name);
      if (value === undefined) return undefined;
      let list: unknown;
      try {
        list = JSON.parse(value);
      } catch {
        throw gateway.invalid(name, 'A JSON array of strings is expected.');
      }
      if (!Array.isArray(list) || list.some((v) => typeof v !== 'string'))
        throw gateway.invalid(name, 'A JSON array of strings is expected.');
      if (list.length > spec.max) throw gateway.invalid(name, `At most ${spec.max} members are allowed.`);
      return list as string[];
    }
    case 'object': {
      // An object nobody sent is absent: its required fields only bind once one of its fields is sent.
      if (![...params.keys()].some((key) => key.startsWith(`${name}.`))) return undefined;
      const value = parseFields(spec.fields, params, `${name}.`);
      return Object.keys(value).length ? value : undefined;
    }
    case 'objectList': {
      const indexes = indexed(params, name, name, spec.max);
      return indexes.length ? indexes.map((n) => parseFields(spec.fields, params, `${name}.${n}.`)) : undefined;
    }
  }
}

function parseFields(fields: Fields, params: Map<string, string>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(fields)) {
    const name = prefix + field;
    const value = parseOne(spec, name, params);
    if (value === undefined || value === '') {
      if (spec.required) throw gateway.missing(name);
      if (value === undefined) continue;
    }
    for (const rule of 'rules' in spec ? (spec.rules ?? []) : []) {
      if (!(rule.test as (v: unknown) => boolean)(value)) throw ruleError(rule as Rule<never>);
    }
    out[field] = value;
  }
  return out;
}

/** Parses and validates an operation's parameters; the first broken rule fails the whole call. */
export function parseParams<F extends Fields>(fields: F, params: Map<string, string>): Parsed<F> {
  return parseFields(fields, params) as Parsed<F>;
}
