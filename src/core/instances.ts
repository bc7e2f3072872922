import type { Catalog, Image, InstanceType } from './catalog.js';
import type { Clock } from './clock.js';
import type { ComputeDriver, ConsoleEndpoint } from './compute.js';
import {
  type AttributeChanges,
  applyAttributeChanges,
  checkAttributeChanges,
  usesPreviewFeature,
} from './attributes.js';
import { DomainError, forbidden, invalidState, invalidValue, notFound } from './errors.js';
import type { CoreEvents } from './events.js';
import { resourceId } from './ids.js';
import { ACTIONS, isAllowed, type LifecycleAction } from './lifecycle.js';
import type { Caller, Instance, PrivateDnsNameOptions, SecurityGroup, Tag } from './model.js';
import { type NetworkService, SECURITY_GROUP_CAPACITY } from './networks.js';
import { retryStale, StaleWrite } from './optimistic.js';
import type { InstanceFilter, Page, PageResult, Repositories, Store } from './repositories.js';
import { hashPassword, type SecretBox } from './secrets.js';
import type { TransitionWorker } from './transitions.js';

/** Security groups one instance may belong to (Alibaba's default quota). */
export const MAX_SECURITY_GROUPS_PER_INSTANCE = 5;
export const MAX_AMOUNT = 100;

/** Alibaba's defaults: every resolution off, a custom hostname. */
export const DEFAULT_PRIVATE_DNS_NAME_OPTIONS: PrivateDnsNameOptions = {
  enableInstanceIdDnsARecord: false,
  enableInstanceIdDnsAAAARecord: false,
  enableIpDnsARecord: false,
  enableIpDnsPtrRecord: false,
  hostnameType: 'Custom',
};

function assertUnlocked(instance: Instance): void {
  if (instance.lockReason) {
    throw new DomainError(
      'locked',
      'InstanceLocked',
      'The specified operation is denied as your instance is locked for security reasons.',
    );
  }
}

/** Where an instance is, for checking a set of security groups against it. */
export interface GroupPlacement {
  regionId: string;
  vpcId: string;
  /** Groups it is already in (they need no spare capacity). */
  current: string[];
}

export interface LaunchRequest {
  regionId: string;
  zoneId?: string;
  imageId: string;
  instanceType: string;
  vSwitchId?: string;
  securityGroupIds: string[];
  /** One entry per instance to launch. */
  names: { instanceName?: string; hostName?: string }[];
  description?: string;
  password?: string;
  ioOptimized: boolean;
  userData?: string;
  tags: Tag[];
  chargeType: Instance['chargeType'];
  deletionProtection: boolean;
  creditSpecification?: string;
  /** RunInstances starts what it creates; CreateInstance leaves it Stopped. */
  start: boolean;
}

/**
 * What every new instance starts with, whatever RunInstances asked for: Alibaba's defaults for the
 * attributes only ModifyInstanceAttribute changes, no VNC password, no lock, never booted.
 */
export function freshState() {
  return {
    vncPasswordSealed: null,
    enableJumboFrame: false,
    privateDnsNameOptions: { ...DEFAULT_PRIVATE_DNS_NAME_OPTIONS },
    recyclable: false,
    enableNetworkEncryption: false,
    nestedVirtualization: null,
    remoteConnectionType: null,
    lockReason: null,
    guest: null,
    bootCount: 0,
    startedAt: null,
    version: 1,
  } satisfies Partial<Instance>;
}

/** The caller's instance as read, or the error a caller gets for one that is not theirs. */
function owned(instance: Instance | undefined, instanceId: string, regionId?: string): Instance {
  if (!instance) throw notFound('InstanceNotFound', `The specified InstanceId ${instanceId} does not exist.`);
  if (regionId !== undefined && instance.regionId !== regionId) {
    throw notFound(
      'InstanceNotInRegion',
      `The specified InstanceId ${instanceId} does not exist in region ${regionId}.`,
    );
  }
  return instance;
}

/** Instances: creation, the lifecycle actions, queries and security-group membership. */
export class InstanceService {
  constructor(
    private readonly store: Store,
    private readonly catalog: Catalog,
    private readonly networks: NetworkService,
    private readonly worker: TransitionWorker,
    private readonly compute: ComputeDriver,
    private readonly secrets: SecretBox,
    private readonly events: CoreEvents,
    private readonly clock: Clock,
  ) {}

  image(imageId: string): Image {
    const image = this.catalog.images.find((i) => i.imageId === imageId);
    if (!image) throw notFound('ImageNotFound', `The specified ImageId ${imageId} does not exist.`);
    return image;
  }

  instanceType(instanceTypeId: string): InstanceType {
    const type = this.catalog.instanceTypes.find((t) => t.instanceTypeId === instanceTypeId);
    if (!type)
      throw invalidValue(
        'InstanceTypeNotSupported',
        `The specified InstanceType ${instanceTypeId} is not supported.`,
        'InstanceType',
      );
    return type;
  }

  /**
   * Creates and starts (or stops) the instances. `alongside` runs inside the same transaction once
   * they are written: what it records commits with them, and if it throws none of them exist.
   */
  async launch(
    caller: Caller,
    request: LaunchRequest,
    alongside?: (repos: Repositories, launched: Instance[]) => Promise<void>,
  ): Promise<Instance[]> {
    const region = this.networks.region(request.regionId);
    const image = this.image(request.imageId);
    const type = this.instanceType(request.instanceType);
    if (request.zoneId) this.networks.zone(region, request.zoneId);
    if (request.creditSpecification && !type.burstable) {
      throw invalidValue(
        'CreditSpecificationNotSupported',
        'The specified CreditSpecification is not supported by the instance type.',
        'CreditSpecification',
      );
    }
    if (request.deletionProtection && request.chargeType !== 'PostPaid') {
      throw forbidden(
        'DeletionProtectionChargeType',
        'Deletion protection is only valid for postPaid instance, not for prePaid or spot instance.',
      );
    }
    const passwordHash = request.password === undefined ? null : hashPassword(request.password);
    const launched = await this.store.transaction(async (repos) => {
      const vSwitch = request.vSwitchId
        ? await this.networks.vSwitch(repos, caller, request.vSwitchId, region.regionId)
        : await this.networks.defaultVSwitch(repos, caller.accountId, region, request.zoneId);
      if (request.zoneId && vSwitch.zoneId !== request.zoneId) {
        throw invalidValue('ZoneMismatch', 'The specified ZoneId does not match the zone of the vSwitch.', 'ZoneId');
      }
      const groups = await this.checkedGroups(
        repos,
        caller,
        { regionId: region.regionId, vpcId: vSwitch.vpcId, current: [] },
        request.securityGroupIds,
        request.names.length,
      );
      const now = this.clock.now();
      const instances: Instance[] = [];
      let current = vSwitch;
      for (const names of request.names) {
        const instanceId = resourceId('i', region.idFlavour);
        const allocated = await this.networks.allocateAddress(repos, current);
        const privateIp = allocated.address;
        current = allocated.vSwitch;
        const instance: Instance = {
          instanceId,
          accountId: caller.accountId,
          regionId: region.regionId,
          zoneId: vSwitch.zoneId,
          instanceName: names.instanceName ?? instanceId,
          description: request.description ?? '',
          hostName: names.hostName ?? `iZ${instanceId.slice(2)}Z`,
          imageId: image.imageId,
          osType: image.osType,
          instanceType: type.instanceTypeId,
          status: 'Pending',
          vpcId: vSwitch.vpcId,
          vSwitchId: vSwitch.vSwitchId,
          privateIp,
          securityGroupIds: groups,
          tags: request.tags,
          ioOptimized: request.ioOptimized,
          chargeType: request.chargeType,
          deletionProtection: request.deletionProtection,
          userData: request.userData ?? null,
          passwordHash,
          networkInterfaceQueueNumber: type.primaryEniQueueNumber,
          cpuOptions: {
            coreCount: type.vcpus / type.threadsPerCore,
            threadsPerCore: type.threadsPerCore,
            topologyType: type.topologyTypes[0] ?? '',
          },
          creditSpecification: type.burstable ? (request.creditSpecification ?? 'Standard') : null,
          ...freshState(),
          createdAt: now,
        };
        await repos.instances.insert(instance);
        instances.push(instance);
      }
      await alongside?.(repos, instances);
      const tasks = [];
      for (const instance of instances) {
        tasks.push(
          await this.worker.begin(repos, instance, {
            target: request.start ? 'Running' : 'Stopped',
            applyPending: true,
          }),
        );
      }
      return { instances, tasks };
    });
    for (const [index, instance] of launched.instances.entries())
      await this.worker.started(instance, launched.tasks[index]!);
    return launched.instances;
  }

  /** Start, stop, reboot or delete, as the lifecycle table allows. */
  async act(caller: Caller, instanceId: string, action: LifecycleAction): Promise<void> {
    const outcome = await this.mutate(caller, instanceId, async (instance, repos) => {
      if (instance.lockReason)
        throw forbidden(
          'InstanceLocked',
          'The specified operation is denied as your instance is locked for security reasons.',
        );
      if (!isAllowed(action, instance.status)) {
        throw invalidState(
          'IncorrectInstanceStatus',
          `The current status of the resource does not support this operation. (status: ${instance.status})`,
        );
      }
      if (action === 'delete' || action === 'forceDelete') {
        if (instance.deletionProtection) {
          throw forbidden(
            'DeletionProtected',
            'The instance is protected from deletion: disable DeletionProtection first.',
          );
        }
        await repos.instances.delete(instance.instanceId);
        return { instance, deleted: true };
      }
      const rule = ACTIONS[action];
      const next = { ...instance, status: rule.enter!, version: instance.version + 1 };
      return {
        instance: next,
        task: await this.worker.begin(repos, next, { target: rule.target!, applyPending: true }),
      };
    });
    if ('deleted' in outcome) await this.worker.stopGuest(instanceId, 'instance deleted');
    else await this.worker.started(outcome.instance, outcome.task);
  }

  /**
   * ModifyInstanceAttribute: every change is checked against the instance first, then all are
   * written together. Password, hostname and MTU reach the guest at its next restart through the
   * API; name, description, security groups and the rest take effect at once.
   */
  async modifyAttributes(caller: Caller, instanceId: string, changes: AttributeChanges): Promise<Instance> {
    const passwordHash = changes.password === undefined ? null : hashPassword(changes.password);
    const { instance } = await this.mutate(caller, instanceId, async (instance, repos) => {
      assertUnlocked(instance);
      const type = this.instanceType(instance.instanceType);
      const previewFeatures = usesPreviewFeature(changes)
        ? (await repos.accounts.get(caller.accountId))!.previewFeatures
        : [];
      checkAttributeChanges(instance, type, previewFeatures, changes);
      if (changes.userData !== undefined && !this.image(instance.imageId).supportsCloudInit) {
        throw invalidValue('ImageNotSupportCloudInit', 'The specified image does not support cloud-init.', 'UserData');
      }
      const securityGroupIds =
        changes.securityGroupIds &&
        (await this.checkedGroups(repos, caller, this.placement(instance), changes.securityGroupIds));
      return { instance: applyAttributeChanges(instance, type, { ...changes, securityGroupIds }, passwordHash) };
    });
    return instance;
  }

  /**
   * ModifyInstanceVncPasswd. On an I/O optimized instance the new password is in force at once
   * (open consoles are closed, as the old password no longer holds); on others it waits, pending,
   * for a restart through the API.
   */
  async modifyVncPassword(
    caller: Caller,
    input: { regionId: string; instanceId: string; password: string },
  ): Promise<Instance> {
    this.networks.region(input.regionId);
    const sealed = this.secrets.seal(input.password);
    const { instance, immediate } = await this.mutate(caller, input.instanceId, async (instance) => {
      assertUnlocked(instance);
      if (instance.regionId !== input.regionId)
        throw notFound('InstanceNotFound', `The specified InstanceId ${input.instanceId} does not exist.`);
      if (instance.status !== 'Running' && instance.status !== 'Stopped') {
        throw invalidState(
          'IncorrectInstanceStatus',
          `The current status of the resource does not support this operation. (status: ${instance.status})`,
        );
      }
      if (instance.status === 'Running' && !this.compute.isReady(instance.instanceId)) {
        throw invalidState(
          'InstanceNotReady',
          'Temporarily unable to connect the specified instance,please try later.',
        );
      }
      const next = { ...instance, vncPasswordSealed: sealed, version: instance.version + 1 };
      const immediate = instance.ioOptimized && instance.guest !== null;
      if (immediate) next.guest = { ...instance.guest!, vncPasswordSealed: sealed };
      return { instance: next, immediate };
    });
    if (immediate && instance.status === 'Running') {
      this.compute.setVncPassword(instance.instanceId, input.password);
      this.events.emit('consoleInvalidated', instance.instanceId, 'password changed');
    }
    return instance;
  }

  /**
   * Baidu's changePass: the password is reset and, on a Running instance, the server restarts so
   * that it is in force once the instance is Running again; a Stopped one gets it at its next start.
   */
  async resetPassword(
    caller: Caller,
    instanceId: string,
    password: string,
    refuse: (instance: Instance) => void,
  ): Promise<void> {
    const passwordHash = hashPassword(password);
    const outcome = await this.mutate(caller, instanceId, async (instance, repos) => {
      assertUnlocked(instance);
      refuse(instance);
      const next: Instance = { ...instance, passwordHash, version: instance.version + 1 };
      if (instance.status !== 'Running') return { instance: next, task: null };
      next.status = 'Stopping';
      return { instance: next, task: await this.worker.begin(repos, next, { target: 'Running', applyPending: true }) };
    });
    if (outcome.task) await this.worker.started(outcome.instance, outcome.task);
  }

  /** A reboot or power-off from inside the guest: the state follows, pending changes stay pending. */
  async guestInitiated(instanceId: string, event: 'reboot' | 'poweroff'): Promise<void> {
    const outcome = await retryStale(() =>
      this.store.transaction(async (repos) => {
        const instance = await repos.instances.lock(instanceId);
        if (!instance || instance.status !== 'Running') return null;
        const next: Instance = { ...instance, status: 'Stopping', version: instance.version + 1 };
        if (!(await repos.instances.update(instance, next))) throw new StaleWrite(instanceId);
        return {
          instance: next,
          task: await this.worker.begin(repos, next, {
            target: event === 'reboot' ? 'Running' : 'Stopped',
            applyPending: false,
          }),
        };
      }),
    );
    if (outcome) await this.worker.started(outcome.instance, outcome.task);
  }

  /**
   * Reads the caller's instance, lets change() decide, and writes what it returns (when it returns
   * an instance whose version it bumped) in one transaction. The read locks the row, so changes to
   * one instance take turns; the version check still guards every write.
   */
  async mutate<R extends { instance: Instance }>(
    caller: Caller,
    instanceId: string,
    change: (instance: Instance, repos: Repositories) => Promise<R>,
  ): Promise<R> {
    return retryStale(() =>
      this.store.transaction(async (repos) => {
        const locked = await repos.instances.lock(instanceId);
        const instance = owned(locked?.accountId === caller.accountId ? locked : undefined, instanceId);
        const result = await change(instance, repos);
        if (
          result.instance.version !== instance.version &&
          !(await repos.instances.update(instance, result.instance))
        ) {
          throw new StaleWrite(instanceId);
        }
        return result;
      }),
    );
  }

  async get(repos: Repositories, caller: Caller, instanceId: string, regionId?: string): Promise<Instance> {
    return owned(await repos.instances.get(caller.accountId, instanceId), instanceId, regionId);
  }

  describe(caller: Caller, instanceId: string, regionId?: string): Promise<Instance> {
    if (regionId !== undefined) this.networks.region(regionId);
    return this.get(this.store.repos, caller, instanceId, regionId);
  }

  find(filter: InstanceFilter, page: Page): Promise<PageResult<Instance>> {
    if (filter.regionId) this.networks.region(filter.regionId);
    return this.store.repos.instances.find(filter, page);
  }

  /** Whether the guest finished booting: a console needs its login prompt up. */
  guestReady(instanceId: string): boolean {
    return this.compute.isReady(instanceId);
  }

  /** Where a running guest's RFB server listens (loopback), for the console gateway; null when it has none. */
  consoleEndpoint(instanceId: string): ConsoleEndpoint | null {
    return this.compute.console(instanceId);
  }

  async joinSecurityGroup(
    caller: Caller,
    input: { instanceId: string; securityGroupId: string; regionId?: string },
  ): Promise<void> {
    await this.mutate(caller, input.instanceId, async (instance, repos) => {
      const [group] = await this.securityGroups(
        repos,
        caller,
        [input.securityGroupId],
        input.regionId ?? instance.regionId,
      );
      if (instance.securityGroupIds.includes(group!.securityGroupId)) {
        throw invalidValue(
          'InstanceAlreadyInSecurityGroup',
          'The instance is already in the specified security group.',
          'SecurityGroupId',
        );
      }
      const securityGroupIds = await this.checkedGroups(repos, caller, this.placement(instance), [
        ...instance.securityGroupIds,
        group!.securityGroupId,
      ]);
      return { instance: { ...instance, securityGroupIds, version: instance.version + 1 } };
    });
  }

  async leaveSecurityGroup(
    caller: Caller,
    input: { instanceId: string; securityGroupId: string; regionId?: string },
  ): Promise<void> {
    await this.mutate(caller, input.instanceId, async (instance, repos) => {
      await this.securityGroups(repos, caller, [input.securityGroupId], input.regionId ?? instance.regionId);
      if (!instance.securityGroupIds.includes(input.securityGroupId)) {
        throw forbidden('InstanceNotInSecurityGroup', 'The instance not in the group.');
      }
      if (instance.securityGroupIds.length === 1) {
        throw forbidden('LastSecurityGroup', 'An instance must belong to at least one security group.');
      }
      return {
        instance: {
          ...instance,
          securityGroupIds: instance.securityGroupIds.filter((id) => id !== input.securityGroupId),
          version: instance.version + 1,
        },
      };
    });
  }

  placement(instance: Instance): GroupPlacement {
    return { regionId: instance.regionId, vpcId: instance.vpcId, current: instance.securityGroupIds };
  }

  /**
   * The rules a whole set of security groups must meet for an instance: they exist in its region,
   * share its VPC, are not repeated, fit the per-instance quota, do not mix basic and enterprise,
   * and each group it newly joins has room for `adding` more instances.
   */
  async checkedGroups(
    repos: Repositories,
    caller: Caller,
    placement: GroupPlacement,
    ids: string[],
    adding = 1,
  ): Promise<string[]> {
    if (new Set(ids).size !== ids.length) {
      throw invalidValue(
        'SecurityGroupIdRepeated',
        'The specified security group ids has repeated.',
        'SecurityGroupIds',
      );
    }
    const groups = await this.securityGroups(repos, caller, ids, placement.regionId);
    if (groups.some((g) => g.vpcId !== placement.vpcId)) {
      throw invalidValue(
        'SecurityGroupVpcMismatch',
        'The specified SecurityGroupIds are belong to different vpc.',
        'SecurityGroupIds',
      );
    }
    if (ids.length > MAX_SECURITY_GROUPS_PER_INSTANCE) {
      throw invalidValue(
        'SecurityGroupLimitExceeded',
        `An instance can belong to at most ${MAX_SECURITY_GROUPS_PER_INSTANCE} security groups.`,
        'SecurityGroupIds',
      );
    }
    if (new Set(groups.map((g) => g.securityGroupType)).size > 1) {
      throw forbidden('SecurityGroupTypesMixed', 'The specified instance can not join multi SecurityGroup types.');
    }
    for (const group of groups) {
      if (placement.current.includes(group.securityGroupId)) continue;
      const members = await repos.securityGroups.instanceCount(group.securityGroupId);
      if (members + adding > SECURITY_GROUP_CAPACITY[group.securityGroupType]) {
        // Alibaba counts an enterprise group's members as network interfaces, and says so.
        throw group.securityGroupType === 'enterprise'
          ? forbidden(
              'EnterpriseSecurityGroupFull',
              'The maximum number of eni in a enterprise security group is exceeded.',
            )
          : forbidden(
              'SecurityGroupFull',
              `The security group ${group.securityGroupId} has reached its instance limit.`,
            );
      }
    }
    return ids;
  }

  private async securityGroups(
    repos: Repositories,
    caller: Caller,
    ids: string[],
    regionId: string,
  ): Promise<SecurityGroup[]> {
    const groups: SecurityGroup[] = [];
    for (const id of ids) groups.push(await this.networks.securityGroup(repos, caller, id, regionId));
    return groups;
  }
}
