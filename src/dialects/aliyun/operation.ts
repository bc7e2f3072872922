import type { Core } from '../../core/core.js';
import type { Caller } from '../../core/model.js';
import type { ErrorOverrides } from './errors.js';
import type { Fields, Parsed } from './params.js';

export interface OperationContext {
  core: Core;
  caller: Caller;
  /** Settings the edges need (the public URL of the console gateway, ...). */
  settings: DialectSettings;
}

export interface DialectSettings {
  /** Base URL browsers use to reach this server, e.g. http://127.0.0.1:8080 */
  publicUrl: string;
}

/**
 * One API operation: its parameters (the spec), the call into core, and the response shape.
 * The list of these in operations/index.ts is the only place an action is named.
 */
export interface Operation<F extends Fields = Fields> {
  action: string;
  /** Mutating operations are audited, successes and rejections alike. */
  mutating: boolean;
  params: F;
  /** Where this operation's documentation names a different code for a domain rule. */
  errors?: ErrorOverrides;
  /** The resource an audit record is about. */
  resource?: (params: Parsed<F>) => string | undefined;
  handle(ctx: OperationContext, params: Parsed<F>): Promise<Record<string, unknown>>;
}

export function defineOperation<F extends Fields>(operation: Operation<F>): Operation<F> {
  return operation;
}
