import { randomUUID } from 'node:crypto';
import type { Core } from '../../core/core.js';
import { DomainError } from '../../core/errors.js';
import type { Caller } from '../../core/model.js';
import type { Logger } from '../../core/transitions.js';
import { header, type ApiRequest, type ApiResponse } from '../http-request.js';
import { authenticate, type BceIdentity, parseQuery } from './auth.js';
import { type JsonObject, parseJsonBody } from './body.js';
import { decryptAdminPass } from './crypto.js';
import { BceError, bce, fromDomain } from './errors.js';
import type { BaiduSettings, Operation, OperationContext } from './operation.js';
import { regionForHost } from './region.js';
import { type Resolved, resolve } from './routes.js';

/** How far ahead of our clock a bce-auth-v1 timestamp may be (the past is bounded by its expiration). */
export const MAX_FUTURE_SKEW_MS = 15 * 60 * 1000;

const CONTENT_TYPE = 'application/json;charset=UTF-8';

function respond(status: number, body: Record<string, unknown>, requestId: string): ApiResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-bce-request-id': requestId },
    body: JSON.stringify(body),
  };
}

const errorResponse = (error: BceError, requestId: string) =>
  respond(error.status, { requestId, code: error.code, message: error.message }, requestId);

/**
 * The Baidu BCC dialect: find the endpoint, authenticate (bce-auth-v1), call core, render JSON.
 * Every failure becomes BCE's `{requestId, code, message}`; every answer carries x-bce-request-id.
 * Instances, keys and accounts are the same ones the Alibaba dialect serves.
 */
export class BaiduDialect {
  constructor(
    private readonly core: Core,
    private readonly operations: readonly Operation[],
    private readonly settings: BaiduSettings,
    private readonly log: Logger,
  ) {}

  async handle(request: ApiRequest): Promise<ApiResponse> {
    const requestId = randomUUID();
    let route: Resolved | undefined;
    let identity: BceIdentity | undefined;
    let body: JsonObject | undefined;
    const audit: OperationContext['audit'] = {};
    let outcome = 'Success';
    let response: ApiResponse;
    try {
      const params = parseQuery(request.rawQuery);
      const query = new Map<string, string>();
      for (const [name, value] of params) if (!query.has(name)) query.set(name, value);
      // Resolved before authentication so that a refused mutating call is audited too; its error
      // waits until the caller is known, so that an unsigned probe learns nothing about endpoints.
      let routeError: unknown;
      try {
        route = resolve(this.operations, request.method, request.path, query);
      } catch (error) {
        routeError = error;
      }
      identity = await authenticate(request, params, {
        credentials: (id) => this.core.accounts.credentials(id),
        now: Date.now(),
        maxFutureSkewMs: MAX_FUTURE_SKEW_MS,
      });
      if (!route) throw routeError;
      const caller: Caller = {
        accountId: identity.accountId,
        accessKeyId: identity.accessKeyId,
        sourceIp: request.sourceIp,
        requestId,
      };
      const regionId = regionForHost(header(request, 'host'), this.settings.defaultRegion);
      const { instanceId } = route;
      const secret = identity.secret;
      const ctx: OperationContext = {
        core: this.core,
        caller,
        settings: this.settings,
        regionId,
        instanceId,
        query,
        body: () => (body ??= parseJsonBody(request.body)),
        adminPass: (hex) => decryptAdminPass(hex, secret),
        instance: () => this.core.instances.describe(caller, instanceId, regionId),
        audit,
      };
      response = respond(200, await route.operation.handle(ctx), requestId);
    } catch (error) {
      const failure = this.toBceError(error, route?.operation, requestId);
      outcome = failure.code;
      response = errorResponse(failure, requestId);
    }
    if (route?.operation.mutating) {
      await this.audit(request, requestId, route, identity, body, audit, outcome);
    }
    return response;
  }

  /** A request refused before it was read (too large, not HTTP), or the server failed outside the pipeline. */
  refuse(status: number, reason: string): ApiResponse {
    return errorResponse(status >= 500 ? bce.internal() : bce.refused(status, reason), randomUUID());
  }

  private toBceError(error: unknown, operation: Operation | undefined, requestId: string): BceError {
    if (error instanceof BceError) return error;
    if (error instanceof DomainError) return fromDomain(error, operation?.errors);
    this.log.error({ err: error, requestId }, 'unexpected error');
    return bce.internal();
  }

  private async audit(
    request: ApiRequest,
    requestId: string,
    route: Resolved,
    identity: BceIdentity | undefined,
    body: JsonObject | undefined,
    notes: OperationContext['audit'],
    outcome: string,
  ): Promise<void> {
    // Names only, never values: adminPass is among them.
    const fields = body ? Object.keys(body).sort().join(',') : '';
    const detail = [fields, notes.detail].filter(Boolean).join('; ') || null;
    try {
      await this.core.audit.record({
        at: Date.now(),
        accountId: identity?.accountId ?? null,
        accessKeyId: identity?.accessKeyId ?? null,
        sourceIp: request.sourceIp,
        dialect: 'baidu',
        action: route.operation.name,
        resourceId: notes.resourceId !== undefined ? notes.resourceId : route.instanceId || null,
        outcome,
        requestId,
        detail,
      });
    } catch (error) {
      this.log.error({ err: error, requestId }, 'audit record failed');
    }
  }
}
