import type { InstanceType } from './catalog.js';
import { DomainError, forbidden, invalidState, invalidValue } from './errors.js';
import type { Instance, PrivateDnsNameOptions } from './model.js';

/**
 * ModifyInstanceAttribute's changes, dialect-neutral. Values arrive already checked against the
 * API's format rules; what is checked here are the rules that belong to the instance: its state,
 * its type's limits, its charge type, the account's preview features.
 */
export interface AttributeChanges {
  password?: string;
  hostName?: string;
  instanceName?: string;
  description?: string;
  /** Base64, as the caller sent it. */
  userData?: string;
  deletionProtection?: boolean;
  securityGroupIds?: string[];
  /** -1 resets to the instance type's default. */
  networkInterfaceQueueNumber?: number;
  cpuOptions?: { core?: number; threadsPerCore?: number; topologyType?: string; nestedVirtualization?: string };
  enableJumboFrame?: boolean;
  creditSpecification?: string;
  privateDnsNameOptions?: Partial<PrivateDnsNameOptions>;
  recyclable?: boolean;
  remoteConnectionOptions?: { password?: string; type?: string };
  enableNetworkEncryption?: boolean;
}

/** Invitation-only features an operator can enable per account (`openecs accounts preview`). */
export const PREVIEW_FEATURES = [
  'Recyclable',
  'RemoteConnectionOptions',
  'NestedVirtualization',
  'NetworkEncryption',
] as const;
export type PreviewFeature = (typeof PREVIEW_FEATURES)[number];

const statusError = (code: string, instance: Instance, needs: string) =>
  new DomainError(
    'invalidState',
    code,
    `The current status of the resource does not support this operation. (status: ${instance.status}; ${needs})`,
  );

/**
 * Whether the changes use a preview feature, so that the account's features must be read: most
 * calls do not, and the read was a transaction's statement of its own (BENCHMARKS.md, change 22).
 * A change this misses is refused as not permitted, never let through.
 */
export function usesPreviewFeature(changes: AttributeChanges): boolean {
  return (
    changes.recyclable !== undefined ||
    changes.remoteConnectionOptions !== undefined ||
    changes.enableNetworkEncryption !== undefined ||
    changes.cpuOptions?.nestedVirtualization !== undefined
  );
}

function requirePreview(
  previewFeatures: readonly string[],
  feature: PreviewFeature,
  code: string,
  message: string,
): void {
  if (!previewFeatures.includes(feature)) throw forbidden(code, message);
}

/**
 * Checks every change against the instance before anything is written: the first broken rule
 * fails the whole call, so nothing is ever half-applied.
 */
export function checkAttributeChanges(
  instance: Instance,
  type: InstanceType,
  previewFeatures: readonly string[],
  changes: AttributeChanges,
): void {
  const status = instance.status;
  if (changes.password !== undefined && status === 'Starting') {
    throw statusError('IncorrectInstanceStatus', instance, 'the password cannot change while the instance is Starting');
  }
  if (changes.hostName !== undefined && (status === 'Pending' || status === 'Starting')) {
    throw statusError(
      'IncorrectInstanceStatus',
      instance,
      'the hostname cannot change while the instance is Pending or Starting',
    );
  }
  if (changes.userData !== undefined) {
    if (!instance.ioOptimized) {
      throw invalidValue(
        'UserDataNotSupported',
        'The specified parameter "UserData" only support the vpc and IoOptimized Instance.',
        'UserData',
      );
    }
    if (status !== 'Stopped')
      throw statusError('IncorrectInstanceStatus', instance, 'user data can change only while the instance is Stopped');
  }
  if (changes.deletionProtection !== undefined && instance.chargeType !== 'PostPaid') {
    throw forbidden(
      'DeletionProtectionChargeType',
      'Deletion protection is only valid for postPaid instance, not for prePaid or spot instance.',
    );
  }
  if (changes.networkInterfaceQueueNumber !== undefined) {
    const queues = changes.networkInterfaceQueueNumber;
    if (status !== 'Stopped')
      throw statusError('StoppedRequired', instance, 'the queue number can change only while the instance is Stopped');
    if (queues !== -1 && queues < 1)
      throw forbidden('InvalidEniQueueNumber', `The queue number ${queues} is not valid: use -1 or a positive number.`);
    if (queues > type.maximumQueueNumberPerEni) {
      throw forbidden(
        'EniQueueNumberExceeded',
        `The queue number ${queues} exceeds ${type.maximumQueueNumberPerEni}, the maximum of instance type ${type.instanceTypeId}.`,
      );
    }
  }
  if (changes.cpuOptions) checkCpuOptions(instance, type, previewFeatures, changes.cpuOptions);
  if (changes.enableJumboFrame !== undefined) {
    if (status !== 'Running' && status !== 'Stopped') {
      throw invalidState('JumboFrameStatus', 'The instance status is not support modify mtu config.');
    }
    if (changes.enableJumboFrame && !type.jumboFrameSupport) {
      throw invalidValue(
        'JumboFrameNotSupported',
        `Not support jumbo frame. (instance type ${type.instanceTypeId})`,
        'EnableJumboFrame',
      );
    }
  }
  if (changes.creditSpecification !== undefined) {
    if (!type.burstable) {
      throw invalidValue(
        'CreditSpecificationNotSupported',
        `The instance type ${type.instanceTypeId} is not a burstable type: CreditSpecification does not apply.`,
        'CreditSpecification',
      );
    }
    if (status !== 'Running' && status !== 'Stopped')
      throw statusError('CreditSpecRestricted', instance, 'the instance must be Running or Stopped');
  }
  if (changes.recyclable !== undefined) {
    requirePreview(
      previewFeatures,
      'Recyclable',
      'RecyclableNotPermitted',
      'You do not have permission to set recyclable properties.',
    );
  }
  if (changes.remoteConnectionOptions !== undefined) {
    requirePreview(previewFeatures, 'RemoteConnectionOptions', 'PreviewNotPermitted', 'The user is not authorized');
  }
  if (changes.enableNetworkEncryption !== undefined) {
    requirePreview(
      previewFeatures,
      'NetworkEncryption',
      'NetworkEncryptionNotPermitted',
      'User not support network encryption.',
    );
    if (changes.enableNetworkEncryption && !type.networkEncryptionSupport) {
      throw forbidden(
        'NetworkEncryptionTypeNotSupported',
        'The specified instance type does not support network encryption.',
      );
    }
  }
}

function checkCpuOptions(
  instance: Instance,
  type: InstanceType,
  previewFeatures: readonly string[],
  cpu: NonNullable<AttributeChanges['cpuOptions']>,
): void {
  if (cpu.nestedVirtualization !== undefined) {
    requirePreview(previewFeatures, 'NestedVirtualization', 'PreviewNotPermitted', 'The user is not authorized');
  }
  if (cpu.topologyType !== undefined) {
    if (instance.status !== 'Stopped')
      throw statusError(
        'CpuTopologyStatus',
        instance,
        'the CPU topology can change only while the instance is Stopped',
      );
    if (!type.topologyTypes.includes(cpu.topologyType)) {
      throw invalidValue(
        'CpuTopologyNotSupported',
        `The specified instance type does not support CpuOptions.TopologyType: ${cpu.topologyType}.`,
        'CpuOptions.TopologyType',
      );
    }
  }
  if (cpu.core !== undefined || cpu.threadsPerCore !== undefined) {
    if (instance.status !== 'Stopped')
      throw statusError('StoppedRequired', instance, 'CPU options can change only while the instance is Stopped');
  }
  if (cpu.core !== undefined && cpu.core !== type.vcpus / type.threadsPerCore) {
    throw forbidden(
      'CpuCoreNotValid',
      `The specified parameter CpuOptions.Core is not valid: instance type ${type.instanceTypeId} has ${type.vcpus / type.threadsPerCore} cores.`,
    );
  }
  if (cpu.threadsPerCore !== undefined) {
    if (!type.hyperThreadingAdjustable) {
      throw forbidden(
        'ThreadsPerCoreUnsupported',
        'The current instance type does not support setting or modifying the CpuOptions.ThreadsPerCore parameter.',
      );
    }
    if (cpu.threadsPerCore !== 1 && cpu.threadsPerCore !== 2) {
      throw forbidden(
        'ThreadsPerCoreNotValid',
        'The specified parameter CpuOptions.ThreadsPerCore is not valid: 1 or 2.',
      );
    }
  }
}

/** Applies checked changes; the password arrives already hashed. */
export function applyAttributeChanges(
  instance: Instance,
  type: InstanceType,
  changes: AttributeChanges,
  passwordHash: string | null,
): Instance {
  const next: Instance = { ...instance, version: instance.version + 1 };
  if (changes.password !== undefined) next.passwordHash = passwordHash;
  if (changes.hostName !== undefined) next.hostName = changes.hostName;
  if (changes.instanceName !== undefined) next.instanceName = changes.instanceName;
  if (changes.description !== undefined) next.description = changes.description;
  if (changes.userData !== undefined) next.userData = changes.userData;
  if (changes.deletionProtection !== undefined) next.deletionProtection = changes.deletionProtection;
  if (changes.securityGroupIds !== undefined) next.securityGroupIds = changes.securityGroupIds;
  if (changes.networkInterfaceQueueNumber !== undefined) {
    next.networkInterfaceQueueNumber =
      changes.networkInterfaceQueueNumber === -1 ? type.primaryEniQueueNumber : changes.networkInterfaceQueueNumber;
  }
  if (changes.cpuOptions) {
    const cpu = changes.cpuOptions;
    next.cpuOptions = {
      coreCount: cpu.core ?? instance.cpuOptions.coreCount,
      threadsPerCore: cpu.threadsPerCore ?? instance.cpuOptions.threadsPerCore,
      topologyType: cpu.topologyType ?? instance.cpuOptions.topologyType,
    };
    if (cpu.nestedVirtualization !== undefined) next.nestedVirtualization = cpu.nestedVirtualization;
  }
  if (changes.enableJumboFrame !== undefined) next.enableJumboFrame = changes.enableJumboFrame;
  if (changes.creditSpecification !== undefined) next.creditSpecification = changes.creditSpecification;
  if (changes.privateDnsNameOptions) {
    // Options the caller left out keep their values: an undefined must not overwrite one.
    const given = Object.entries(changes.privateDnsNameOptions).filter(([, value]) => value !== undefined);
    next.privateDnsNameOptions = { ...instance.privateDnsNameOptions, ...Object.fromEntries(given) };
  }
  if (changes.recyclable !== undefined) next.recyclable = changes.recyclable;
  if (changes.enableNetworkEncryption !== undefined) next.enableNetworkEncryption = changes.enableNetworkEncryption;
  if (changes.remoteConnectionOptions?.type !== undefined)
    next.remoteConnectionType = changes.remoteConnectionOptions.type;
  return next;
}
