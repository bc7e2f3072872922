import type { DomainError } from '../../core/errors.js';

/** An error answered in Alibaba's envelope. Messages never carry secret values. */
export class AliyunError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const err = (code: string, status: number, message: string) => new AliyunError(code, status, message);

/** The gateway's own rejections (documented POP common error codes). */
export const gateway = {
  missing: (name: string) =>
    err(
      'MissingParameter',
      400,
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalid: (name: string, why?: string) =>
    err('InvalidParameter', 400, `The specified parameter "${name}" is not valid.${why ? ' ' + why : ''}`),
  format: () =>
    err('InvalidParameter.Format', 400, 'Specified parameter format is not valid. Format must be JSON or XML.'),
  unknownKey: () => err('InvalidAccessKeyId.NotFound', 404, 'Specified access key is not found.'),
  inactiveKey: () => err('InvalidAccessKeyId.Inactive', 400, 'Specified access key is disabled.'),
  timestampFormat: () =>
    err('InvalidTimeStamp.Format', 400, 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () => err('InvalidTimeStamp.Expired', 400, 'Specified time stamp or date value is expired.'),
  nonceUsed: () => err('SignatureNonceUsed', 400, 'Specified signature nonce was used already.'),
  signatureMethod: () => err('InvalidSignatureMethod', 400, 'Specified signature method is not valid.'),
  incompleteSignature: (why: string) =>
    err('IncompleteSignature', 400, `The request signature does not conform to Aliyun standards. ${why}`),
  signatureMismatch: (stringToSign: string) =>
    err(
      'SignatureDoesNotMatch',
      400,
      `Specified signature is not matched with our calculation. server string to sign is:${stringToSign}`,
    ),
  unknownAction: (action: string) =>
    err(
      'InvalidAction.NotFound',
      404,
      `Specified api is not found, please check your url and method. (Action: ${action})`,
    ),
  version: (version: string) =>
    err('InvalidVersion', 400, `Specified parameter Version is not valid. Supported: 2014-05-26, got: ${version}`),
  method: () => err('UnsupportedHTTPMethod', 403, 'This http method not supported.'),
  tooLarge: (what: string) => err('InvalidParameter', 400, `The request is too large: ${what}.`),
  internal: () => err('InternalError', 500, 'The request processing has failed due to some unknown error.'),
  /** What Alibaba answers a DryRun call that would have succeeded. */
  dryRun: () => err('DryRunOperation', 400, 'Request validation has been passed with DryRun flag set.'),
};

/**
 * Domain error codes -> Alibaba codes and statuses, one table for every operation. An operation
 * may name a different code for the same rule where its documentation does (see its spec).
 */
export const DOMAIN_CODES: Record<string, [code: string, status: number]> = {
  RegionNotFound: ['InvalidRegionId.NotFound', 404],
  ZoneNotFound: ['InvalidZoneId.NotFound', 404],
  ZoneMismatch: ['InvalidParameter.ZoneIdMismatch', 400],
  InstanceNotFound: ['InvalidInstanceId.NotFound', 404],
  InstanceNotInRegion: ['InvalidInstanceId.NotFound', 404],
  ImageNotFound: ['InvalidImageId.NotFound', 404],
  InstanceTypeNotSupported: ['InvalidInstanceType.ValueNotSupported', 400],
  VpcNotFound: ['InvalidVpcId.NotFound', 404],
  VSwitchNotFound: ['InvalidVSwitchId.NotFound', 404],
  VSwitchIpExhausted: ['InvalidVSwitchId.IpNotEnough', 400],
  SecurityGroupNotFound: ['InvalidSecurityGroupId.NotFound', 404],
  SecurityGroupInUse: ['DependencyViolation', 403],
  SecurityGroupIdRepeated: ['InvalidParameter.SecurityGroupIdRepeated', 404],
  SecurityGroupVpcMismatch: ['InvalidSecurityGroupVpc.NotBelongToOneVpc', 404],
  SecurityGroupLimitExceeded: ['JoinedGroupLimitExceed', 400],
  SecurityGroupTypesMixed: ['EnterpriseGroupLimited.MutliGroupType', 403],
  SecurityGroupFull: ['SecurityGroupInstanceLimitExceed', 403],
  EnterpriseSecurityGroupFull: ['InvalidOperation.EniCountExceeded', 400],
  InstanceAlreadyInSecurityGroup: ['InvalidInstanceId.AlreadyExists', 400],
  InstanceNotInSecurityGroup: ['InstanceNotInSecurityGroup', 403],
  LastSecurityGroup: ['InvalidOperation.LastSecurityGroup', 403],
  CidrBlockMalformed: ['InvalidCidrBlock.Malformed', 400],
  CidrBlockNotInVpc: ['InvalidCidrBlock.Malformed', 400],
  CidrBlockOverlapped: ['InvalidCidrBlock.Overlapped', 400],
  IncorrectInstanceStatus: ['IncorrectInstanceStatus', 403],
  InstanceNotReady: ['InstanceNotReady', 403],
  InstanceLocked: ['InstanceLockedForSecurity', 403],
  DeletionProtected: ['InvalidOperation.DeletionProtection', 403],
  DeletionProtectionChargeType: ['InvalidChargeType.ValueNotSupported', 403],
  CreditSpecificationNotSupported: ['InvalidParameter.CreditSpecification', 400],
  CreditSpecRestricted: ['InvalidInstanceStatus.CreditSpecRestricted', 400],
  ClientTokenMismatch: ['IdempotentParameterMismatch', 400],
  UserDataNotSupported: ['InvalidUserData.NotSupported', 400],
  ImageNotSupportCloudInit: ['ImageNotSupportCloudInit', 400],
  StoppedRequired: ['InvalidStatus.StoppedRequired', 400],
  InvalidEniQueueNumber: ['InvalidParameter.InvalidEniQueueNumber', 403],
  EniQueueNumberExceeded: ['InvalidOperation.MaxEniQueueNumberExceeded', 403],
  CpuTopologyStatus: ['InvalidOperation.InstanceStatusUnsupported', 400],
  CpuTopologyNotSupported: ['InvalidInstanceType.NotSupportCpuOptionsTopologyType', 400],
  CpuCoreNotValid: ['InvalidParameter.CpuOptionsCore', 403],
  ThreadsPerCoreUnsupported: ['InvalidInstanceType.CpuOptionsThreadsPerCoreUnsupported', 403],
  ThreadsPerCoreNotValid: ['InvalidParameter.CpuOptionsThreadsPerCore', 403],
  JumboFrameStatus: ['InvalidOperation.InstanceStatusNotSupport', 400],
  JumboFrameNotSupported: ['InvalidParam.NotSupportJumboFrame', 400],
  RecyclableNotPermitted: ['InvalidParameter.RecycleBin', 400],
  PreviewNotPermitted: ['InvalidUser.Unauthorized', 403],
  NetworkEncryptionNotPermitted: ['InvalidOperation.UserNotSupportNetworkEncryption', 403],
  NetworkEncryptionTypeNotSupported: ['InvalidOperation.InstanceTypeNotSupportNetworkEncryption', 403],
};

const KIND_FALLBACK: Record<DomainError['kind'], [string, number]> = {
  notFound: ['NoSuchResource', 404],
  invalidState: ['IncorrectInstanceStatus', 403],
  invalidValue: ['InvalidParameter', 400],
  conflict: ['OperationConflict', 409],
  forbidden: ['Forbidden', 403],
  locked: ['InstanceLockedForSecurity', 403],
  throttled: ['Throttling', 400],
  internal: ['InternalError', 500],
};

export type ErrorOverrides = Record<string, [code: string, status: number]>;

export function fromDomain(error: DomainError, overrides: ErrorOverrides = {}): AliyunError {
  const [code, status] = overrides[error.code] ?? DOMAIN_CODES[error.code] ?? KIND_FALLBACK[error.kind];
  return new AliyunError(code, status, error.message);
}
