import type { DomainError } from '../../core/errors.js';

/** An error answered in BCE's envelope `{requestId, code, message}`. Messages never carry secrets. */
export class BceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const err = (code: string, status: number, message: string) => new BceError(code, status, message);

/** BCE's common errors (the "公共错误码" table every Baidu API shares), worded as Baidu words them. */
export const bce = {
  missingAuth: () => err('InvalidHTTPAuthHeader', 400, 'The HTTP authorization header is missing.'),
  authHeader: (why: string) =>
    err(
      'InvalidHTTPAuthHeader',
      400,
      `The HTTP authorization header is invalid: ${why}. Consult the service documentation for details.`,
    ),
  unknownKey: () => err('InvalidAccessKeyId', 403, 'The Access Key ID you provided does not exist in our records.'),
  inactiveKey: () => err('AccessDenied', 403, 'Access denied: the Access Key ID you provided is disabled.'),
  expired: (timestamp: string) => err('RequestExpired', 400, `Request has expired. Timestamp date is ${timestamp}.`),
  /** The JS SDK answers exactly this code and status by retrying with the server's Date as its clock. */
  skewed: (timestamp: string) =>
    err(
      'RequestTimeTooSkewed',
      403,
      `The difference between the request time (${timestamp}) and the server's time is too large.`,
    ),
  signature: (canonicalRequest: string) =>
    err(
      'SignatureDoesNotMatch',
      400,
      'The request signature we calculated does not match the signature you provided. Check your Secret Access Key ' +
        `and signing method. Consult the service documentation for details. Canonical request: ${JSON.stringify(canonicalRequest)}`,
    ),
  uri: (why: string) => err('InvalidURI', 400, `Could not parse the specified URI: ${why}.`),
  malformedJson: (why: string) => err('MalformedJSON', 400, `The JSON you provided was not well-formed: ${why}.`),
  inappropriateJson: (why: string) =>
    err(
      'InappropriateJSON',
      400,
      `The JSON you provided was well-formed and valid, but not appropriate for this operation: ${why}.`,
    ),
  /**
   * The HTTP server's refusals of requests it would not read (too large, too slow, not HTTP). BCE's
   * common error table gives both codes status 400, whatever HTTP itself would say (413, 414, 431).
   */
  refused: (status: number, why: string) =>
    status === 414
      ? err('InvalidURI', 400, `Could not parse the specified URI: ${why}.`)
      : err('InvalidHTTPRequest', 400, `There was an error in your HTTP request: ${why}.`),
  internal: () => err('InternalError', 500, 'We encountered an internal error. Please try again.'),
};

export type ErrorOverrides = Record<string, [code: string, status: number]>;

/**
 * Domain error codes -> BCE codes and statuses, one table for every operation; an operation names
 * its own code for a rule where Baidu documents one (e.g. start's Instance.StartInstanceOperationForbidden).
 * Where Baidu documents nothing, the closest common code is used (docs/baidu.md lists them).
 */
const DOMAIN_CODES: Record<string, [code: string, status: number]> = {
  InstanceNotFound: ['NoSuchObject', 404],
  InstanceNotInRegion: ['NoSuchObject', 404],
  RegionNotFound: ['NoSuchObject', 404],
  ZoneNotFound: ['NoSuchObject', 404],
  ImageNotFound: ['NoSuchObject', 404],
  VpcNotFound: ['NoSuchObject', 404],
  VSwitchNotFound: ['NoSuchObject', 404],
  SecurityGroupNotFound: ['NoSuchObject', 404],
  IncorrectInstanceStatus: ['Instance.InvalidStatus', 409],
  InstanceNotReady: ['Instance.InvalidStatus', 409],
  InstanceLocked: ['AccessDenied', 403],
  DeletionProtected: ['AccessDenied', 403],
  ClientTokenMismatch: ['IdempotentParameterMismatch', 403],
};

const KIND_FALLBACK: Record<DomainError['kind'], [string, number]> = {
  notFound: ['NoSuchObject', 404],
  invalidState: ['Instance.InvalidStatus', 409],
  invalidValue: ['InappropriateJSON', 400],
  conflict: ['Conflict', 409],
  forbidden: ['AccessDenied', 403],
  locked: ['AccessDenied', 403],
  throttled: ['RequestLimitExceeded', 429],
  internal: ['InternalError', 500],
};

export function fromDomain(error: DomainError, overrides: ErrorOverrides = {}): BceError {
  const [code, status] = overrides[error.code] ?? DOMAIN_CODES[error.code] ?? KIND_FALLBACK[error.kind];
  return new BceError(code, status, error.message);
}
