import type { OsType } from './compute.js';
import type { InstanceStatus, TargetStatus } from './lifecycle.js';

export interface Account {
  accountId: string;
  name: string;
  /** Invitation-only features an operator has enabled for this account (e.g. 'Recyclable'). */
  previewFeatures: string[];
  createdAt: number;
}

export interface AccessKey {
  accessKeyId: string;
  accountId: string;
  /** Sealed with the master key (SecretBox); HMAC verification needs the secret itself. */
  secretSealed: string;
  status: 'Active' | 'Inactive';
  createdAt: number;
}

/** Who is calling: established by a dialect's authentication, passed to every core call. */
export interface Caller {
  accountId: string;
  accessKeyId: string;
  sourceIp: string;
  requestId: string;
}

export interface Vpc {
  vpcId: string;
  accountId: string;
  regionId: string;
  vpcName: string;
  description: string;
  cidrBlock: string;
  isDefault: boolean;
  createdAt: number;
}

export interface VSwitch {
  vSwitchId: string;
  accountId: string;
  regionId: string;
  vpcId: string;
  zoneId: string;
  vSwitchName: string;
  description: string;
  cidrBlock: string;
  isDefault: boolean;
  /** Host number of the next private IP handed out in cidrBlock. */
  nextHost: number;
  createdAt: number;
}

export type SecurityGroupType = 'normal' | 'enterprise';

export interface SecurityGroup {
  securityGroupId: string;
  accountId: string;
  regionId: string;
  vpcId: string;
  securityGroupName: string;
  description: string;
  securityGroupType: SecurityGroupType;
  createdAt: number;
}

export interface Tag {
  key: string;
  value: string;
}

export interface CpuOptions {
  coreCount: number;
  threadsPerCore: number;
  topologyType: string;
}

export interface PrivateDnsNameOptions {
  enableInstanceIdDnsARecord: boolean;
  enableInstanceIdDnsAAAARecord: boolean;
  enableIpDnsARecord: boolean;
  enableIpDnsPtrRecord: boolean;
  hostnameType: 'Custom' | 'IpBased' | 'InstanceIdBased';
}

/**
 * The configuration a guest actually runs with. Some accepted changes reach it only through a
 * restart made through the API; the difference between an instance's accepted values and these is
 * what is pending (see pendingChanges in instances.ts).
 */
export interface GuestConfig {
  hostName: string;
  passwordHash: string | null;
  vncPasswordSealed: string | null;
  mtu: number;
}

export interface Instance {
  instanceId: string;
  accountId: string;
  regionId: string;
  zoneId: string;
  instanceName: string;
  description: string;
  hostName: string;
  imageId: string;
  osType: OsType;
  instanceType: string;
  status: InstanceStatus;
  vpcId: string;
  vSwitchId: string;
  privateIp: string;
  securityGroupIds: string[];
  tags: Tag[];
  ioOptimized: boolean;
  chargeType: 'PostPaid' | 'PrePaid';
  deletionProtection: boolean;
  /** Base64 as given by the caller; runs at first boot. */
  userData: string | null;
  passwordHash: string | null;
  vncPasswordSealed: string | null;
  enableJumboFrame: boolean;
  networkInterfaceQueueNumber: number;
  cpuOptions: CpuOptions;
  creditSpecification: string | null;
  privateDnsNameOptions: PrivateDnsNameOptions;
  recyclable: boolean;
  enableNetworkEncryption: boolean;
  nestedVirtualization: string | null;
  /** Invitation-only remote connection setting; its password is never stored. */
  remoteConnectionType: string | null;
  /** Operator-set operation lock (e.g. 'security'); null when unlocked. */
  lockReason: string | null;
  /** What the running guest has; null before the first boot. */
  guest: GuestConfig | null;
  /** Number of boots so far: user data runs at the first. */
  bootCount: number;
  createdAt: number;
  startedAt: number | null;
  /** Optimistic concurrency: bumped by every write, checked by every update. */
  version: number;
}

/** A durable lifecycle transition, resumed after a restart. */
export interface TransitionTask {
  instanceId: string;
  target: TargetStatus;
  /** True when the restart was made through the API, so pending changes apply at boot. */
  applyPending: boolean;
  dueAt: number;
}

export interface AuditRecord {
  at: number;
  accountId: string | null;
  accessKeyId: string | null;
  sourceIp: string;
  dialect: string;
  action: string;
  resourceId: string | null;
  /** 'Success' or the error code answered. */
  outcome: string;
  requestId: string;
  /** Free-form, never secret: e.g. which attributes changed, a console session's close reason. */
  detail: string | null;
}
