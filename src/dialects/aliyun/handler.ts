import { DomainError } from '../../core/errors.js';
import { requestId as newRequestId } from '../../core/ids.js';
import type { Core } from '../../core/core.js';
import type { Logger } from '../../core/transitions.js';
import { header, type ApiRequest, type ApiResponse } from '../http-request.js';
import { type Authenticated, verifyV1, verifyV3, V1_COMMON } from './auth.js';
import { AliyunError, fromDomain, gateway } from './errors.js';
import { NonceCache } from './nonces.js';
import type { DialectSettings, Operation } from './operation.js';
import { parseParams } from './params.js';
import { renderError, renderSuccess, type ResponseFormat } from './render.js';

export const API_VERSION = '2014-05-26';
/** Alibaba accepts requests signed within 15 minutes of its clock, either way. */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Far more than any operation takes (RunInstances with every option is under 200). */
const MAX_PARAMS = 500;

function formParams(text: string, into: Map<string, string>): void {
  for (const [key, value] of new URLSearchParams(text)) {
    if (into.size >= MAX_PARAMS) throw gateway.tooLarge(`more than ${MAX_PARAMS} parameters`);
    if (!into.has(key)) into.set(key, value);
  }
}

function responseFormat(value: string | undefined): ResponseFormat {
  if (value === undefined || /^json$/i.test(value)) return 'JSON';
  if (/^xml$/i.test(value)) return 'XML';
  throw gateway.format();
}

/**
 * The Alibaba ECS RPC dialect: authenticate (V1 or V3), find the operation, parse its parameters,
 * call core, render. Every failure becomes Alibaba's error envelope; nothing else escapes.
 */
export class AliyunDialect {
  private readonly operations: Map<string, Operation>;
  private readonly nonces = new NonceCache(CLOCK_SKEW_MS * 2);

  constructor(
    private readonly core: Core,
    operations: readonly Operation[],
    private readonly settings: DialectSettings,
    private readonly log: Logger,
  ) {
    this.operations = new Map(operations.map((op) => [op.action, op]));
  }

  async handle(request: ApiRequest): Promise<ApiResponse> {
    const requestId = newRequestId();
    let format: ResponseFormat = 'JSON';
    let auth: Authenticated | undefined;
    let operation: Operation | undefined;
    let params = new Map<string, string>();
    let response: ApiResponse;
    let outcome = 'Success';
    try {
      if (request.method !== 'GET' && request.method !== 'POST') throw gateway.method();
      const query = new Map<string, string>();
      formParams(request.rawQuery, query);
      params = new Map(query);
      const contentType = header(request, 'content-type') ?? '';
      if (request.body.length && (contentType.startsWith('application/x-www-form-urlencoded') || !contentType)) {
        formParams(request.body.toString('utf8'), params);
      }
      format = responseFormat(params.get('Format'));
      const isV3 = (header(request, 'authorization') ?? '').startsWith('ACS3-HMAC-SHA256');
      // Known before authentication so that a mutating call refused there is audited too.
      operation = this.operations.get((isV3 ? header(request, 'x-acs-action') : params.get('Action')) ?? '');
      const ctx = {
        credentials: (id: string) => this.core.accounts.credentials(id),
        nonces: this.nonces,
        now: Date.now(),
        clockSkewMs: CLOCK_SKEW_MS,
      };
      auth = isV3 ? await verifyV3(request, query, ctx) : await verifyV1(request, params, ctx);
      if (!auth.action) throw gateway.missing('Action');
      if (!operation) throw gateway.unknownAction(auth.action);
      if (!auth.version) throw gateway.missing('Version');
      if (auth.version !== API_VERSION) throw gateway.version(auth.version);
      const business = new Map([...params].filter(([key]) => !V1_COMMON.has(key)));
      const parsed = parseParams(operation.params, business);
      const caller = {
        accountId: auth.accountId,
        accessKeyId: auth.accessKeyId,
        sourceIp: request.sourceIp,
        requestId,
      };
      const fields = await operation.handle({ core: this.core, caller, settings: this.settings }, parsed);
      response = renderSuccess(operation.action, fields, requestId, format);
    } catch (error) {
      const failure = this.toAliyunError(error, operation, requestId);
      outcome = failure.code;
      response = renderError(failure, requestId, format);
    }
    if (operation?.mutating) await this.audit(request, requestId, operation, auth, params, outcome);
    return response;
  }

  /** A request refused before it was read (too large, or the server failed outside the pipeline). */
  refuse(status: number, reason: string): ApiResponse {
    const requestId = newRequestId();
    const error =
      status >= 500
        ? gateway.internal()
        : new AliyunError('InvalidParameter', status, `The request was refused: ${reason}.`);
    return renderError(error, requestId, 'JSON');
  }

  private toAliyunError(error: unknown, operation: Operation | undefined, requestId: string): AliyunError {
    if (error instanceof AliyunError) return error;
    if (error instanceof DomainError) return fromDomain(error, operation?.errors);
    this.log.error({ err: error, requestId }, 'unexpected error');
    return gateway.internal();
  }

  private async audit(
    request: ApiRequest,
    requestId: string,
    operation: Operation,
    auth: Authenticated | undefined,
    params: Map<string, string>,
    outcome: string,
  ): Promise<void> {
    try {
      await this.core.audit.record({
        at: Date.now(),
        accountId: auth?.accountId ?? null,
        accessKeyId: auth?.accessKeyId ?? null,
        sourceIp: request.sourceIp,
        dialect: 'aliyun',
        action: operation.action,
        resourceId: params.get('InstanceId') ?? params.get('SecurityGroupId') ?? params.get('VpcId') ?? null,
        outcome,
        requestId,
        // Names only: values may be secrets.
        detail:
          [...params.keys()]
            .filter((k) => !V1_COMMON.has(k))
            .sort()
            .join(',') || null,
      });
    } catch (error) {
      this.log.error({ err: error, requestId }, 'audit record failed');
    }
  }
}
