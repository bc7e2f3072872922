import { type Catalog, findRegion, type Region } from './catalog.js';
import type { Clock } from './clock.js';
import { conflict, forbidden, invalidValue, notFound } from './errors.js';
import { resourceId } from './ids.js';
import { contains, formatCidr, hostAddress, overlaps, parseCidr, size, subnet } from './ipv4.js';
import type { Caller, SecurityGroup, SecurityGroupType, Vpc, VSwitch } from './model.js';
import type { Repositories, Store } from './repositories.js';

/** Instances one security group may hold, by type (Alibaba's documented quotas). */
export const SECURITY_GROUP_CAPACITY: Record<SecurityGroupType, number> = { normal: 2000, enterprise: 65536 };
/** Addresses Alibaba keeps in every vSwitch: the first and the last three. */
const RESERVED_LOW = 1;
const RESERVED_HIGH = 3;

/** Addresses a vSwitch has yet to hand out (DescribeVSwitches' AvailableIpAddressCount). */
export function freeAddresses(vSwitch: VSwitch): number {
  return size(parseCidr(vSwitch.cidrBlock)!) - RESERVED_HIGH - vSwitch.nextHost;
}

/** Regions, VPCs, vSwitches and security groups. */
export class NetworkService {
  constructor(
    private readonly store: Store,
    readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  region(regionId: string): Region {
    const region = findRegion(this.catalog, regionId);
    if (!region) throw notFound('RegionNotFound', `The specified RegionId ${regionId} does not exist.`);
    return region;
  }

  /** The region a zone is in, for calls that name only the zone. */
  regionOfZone(zoneId: string): Region {
    const region = this.catalog.regions.find((r) => r.zones.some((z) => z.zoneId === zoneId));
    if (!region) throw notFound('ZoneNotFound', `The specified ZoneId ${zoneId} does not exist.`);
    return region;
  }

  zone(region: Region, zoneId: string) {
    const zone = region.zones.find((z) => z.zoneId === zoneId);
    if (!zone) throw notFound('ZoneNotFound', `The specified ZoneId ${zoneId} does not exist in ${region.regionId}.`);
    return zone;
  }

  /**
   * The region's default VPC with one default vSwitch per zone, made on first use as Alibaba makes
   * them on an account's first launch.
   */
  async defaultVpc(repos: Repositories, accountId: string, region: Region): Promise<Vpc> {
    const existing = (await repos.vpcs.list(accountId, region.regionId)).find((v) => v.isDefault);
    if (existing) return existing;
    const now = this.clock.now();
    const vpc: Vpc = {
      vpcId: resourceId('vpc', region.idFlavour),
      accountId,
      regionId: region.regionId,
      vpcName: '',
      description: 'System created default VPC.',
      cidrBlock: region.defaultVpcCidr,
      isDefault: true,
      createdAt: now,
    };
    await repos.vpcs.insert(vpc);
    const vpcCidr = parseCidr(vpc.cidrBlock)!;
    for (const [index, zone] of region.zones.entries()) {
      await repos.vSwitches.insert({
        vSwitchId: resourceId('vsw', region.idFlavour),
        accountId,
        regionId: region.regionId,
        vpcId: vpc.vpcId,
        zoneId: zone.zoneId,
        vSwitchName: '',
        description: 'System created default virtual switch.',
        cidrBlock: formatCidr(subnet(vpcCidr, 20, index)),
        isDefault: true,
        nextHost: RESERVED_LOW,
        createdAt: now,
      });
    }
    return vpc;
  }

  async defaultVSwitch(repos: Repositories, accountId: string, region: Region, zoneId?: string): Promise<VSwitch> {
    const vpc = await this.defaultVpc(repos, accountId, region);
    const switches = (await repos.vSwitches.list(accountId, region.regionId)).filter(
      (s) => s.vpcId === vpc.vpcId && s.isDefault,
    );
    const chosen = zoneId ? switches.find((s) => s.zoneId === zoneId) : switches[0];
    if (!chosen) throw notFound('ZoneNotFound', `The specified ZoneId ${zoneId} does not exist in ${region.regionId}.`);
    return chosen;
  }

  /** Hands out the vSwitch's next free private address; `vSwitch` is the vSwitch as it now is. */
  async allocateAddress(repos: Repositories, vSwitch: VSwitch): Promise<{ address: string; vSwitch: VSwitch }> {
    if (freeAddresses(vSwitch) <= 0) {
      throw conflict('VSwitchIpExhausted', `The vSwitch ${vSwitch.vSwitchId} has no free private IP address.`);
    }
    const next = { ...vSwitch, nextHost: vSwitch.nextHost + 1 };
    await repos.vSwitches.update(next);
    return { address: hostAddress(parseCidr(vSwitch.cidrBlock)!, vSwitch.nextHost), vSwitch: next };
  }

  async createVpc(
    caller: Caller,
    input: { regionId: string; cidrBlock?: string; vpcName?: string; description?: string },
  ): Promise<Vpc> {
    const region = this.region(input.regionId);
    const cidrText = input.cidrBlock ?? '172.16.0.0/12';
    const cidr = parseCidr(cidrText);
    if (!cidr || cidr.prefix < 8 || cidr.prefix > 24) {
      throw invalidValue('CidrBlockMalformed', 'The specified CidrBlock is invalid.', 'CidrBlock');
    }
    return this.store.transaction(async (repos) => {
      await this.defaultVpc(repos, caller.accountId, region);
      const vpc: Vpc = {
        vpcId: resourceId('vpc', region.idFlavour),
        accountId: caller.accountId,
        regionId: region.regionId,
        vpcName: input.vpcName ?? '',
        description: input.description ?? '',
        cidrBlock: formatCidr(cidr),
        isDefault: false,
        createdAt: this.clock.now(),
      };
      await repos.vpcs.insert(vpc);
      return vpc;
    });
  }

  async createVSwitch(
    caller: Caller,
    input: {
      /** Without one, the zone's region. */
      regionId?: string;
      vpcId: string;
      zoneId: string;
      cidrBlock: string;
      vSwitchName?: string;
      description?: string;
    },
  ): Promise<VSwitch> {
    const region = input.regionId ? this.region(input.regionId) : this.regionOfZone(input.zoneId);
    this.zone(region, input.zoneId);
    const cidr = parseCidr(input.cidrBlock);
    if (!cidr || cidr.prefix < 16 || cidr.prefix > 29) {
      throw invalidValue('CidrBlockMalformed', 'The specified CidrBlock is invalid.', 'CidrBlock');
    }
    return this.store.transaction(async (repos) => {
      const vpc = await this.vpc(repos, caller, input.vpcId, region.regionId);
      if (!contains(parseCidr(vpc.cidrBlock)!, cidr)) {
        throw invalidValue(
          'CidrBlockNotInVpc',
          'The specified CidrBlock is not within the VPC CIDR block.',
          'CidrBlock',
        );
      }
      const siblings = (await repos.vSwitches.list(caller.accountId, region.regionId)).filter(
        (s) => s.vpcId === vpc.vpcId,
      );
      if (siblings.some((s) => overlaps(parseCidr(s.cidrBlock)!, cidr))) {
        throw conflict('CidrBlockOverlapped', 'The specified CidrBlock overlaps with another vSwitch in the VPC.');
      }
      const vSwitch: VSwitch = {
        vSwitchId: resourceId('vsw', region.idFlavour),
        accountId: caller.accountId,
        regionId: region.regionId,
        vpcId: vpc.vpcId,
        zoneId: input.zoneId,
        vSwitchName: input.vSwitchName ?? '',
        description: input.description ?? '',
        cidrBlock: formatCidr(cidr),
        isDefault: false,
        nextHost: RESERVED_LOW,
        createdAt: this.clock.now(),
      };
      await repos.vSwitches.insert(vSwitch);
      return vSwitch;
    });
  }

  async vpc(repos: Repositories, caller: Caller, vpcId: string, regionId: string): Promise<Vpc> {
    const vpc = await repos.vpcs.get(caller.accountId, vpcId);
    if (!vpc || vpc.regionId !== regionId)
      throw notFound('VpcNotFound', `The specified VpcId ${vpcId} does not exist.`);
    return vpc;
  }

  async vSwitch(repos: Repositories, caller: Caller, vSwitchId: string, regionId: string): Promise<VSwitch> {
    const vSwitch = await repos.vSwitches.get(caller.accountId, vSwitchId);
    if (!vSwitch || vSwitch.regionId !== regionId) {
      throw notFound('VSwitchNotFound', `The specified VSwitchId ${vSwitchId} does not exist.`);
    }
    return vSwitch;
  }

  async listVpcs(caller: Caller, regionId: string): Promise<{ vpc: Vpc; vSwitchIds: string[] }[]> {
    const region = this.region(regionId);
    return this.store.transaction(async (repos) => {
      await this.defaultVpc(repos, caller.accountId, region);
      const switches = await repos.vSwitches.list(caller.accountId, regionId);
      return (await repos.vpcs.list(caller.accountId, regionId)).map((vpc) => ({
        vpc,
        vSwitchIds: switches.filter((s) => s.vpcId === vpc.vpcId).map((s) => s.vSwitchId),
      }));
    });
  }

  async listVSwitches(caller: Caller, regionId: string): Promise<VSwitch[]> {
    const region = this.region(regionId);
    return this.store.transaction(async (repos) => {
      await this.defaultVpc(repos, caller.accountId, region);
      return repos.vSwitches.list(caller.accountId, regionId);
    });
  }

  async createSecurityGroup(
    caller: Caller,
    input: {
      regionId: string;
      vpcId?: string;
      securityGroupName?: string;
      description?: string;
      securityGroupType?: SecurityGroupType;
    },
  ): Promise<SecurityGroup> {
    const region = this.region(input.regionId);
    return this.store.transaction(async (repos) => {
      const vpc = input.vpcId
        ? await this.vpc(repos, caller, input.vpcId, region.regionId)
        : await this.defaultVpc(repos, caller.accountId, region);
      const group: SecurityGroup = {
        securityGroupId: resourceId('sg', region.idFlavour),
        accountId: caller.accountId,
        regionId: region.regionId,
        vpcId: vpc.vpcId,
        securityGroupName: input.securityGroupName ?? '',
        description: input.description ?? '',
        securityGroupType: input.securityGroupType ?? 'normal',
        createdAt: this.clock.now(),
      };
      await repos.securityGroups.insert(group);
      return group;
    });
  }

  async securityGroup(
    repos: Repositories,
    caller: Caller,
    securityGroupId: string,
    regionId: string,
  ): Promise<SecurityGroup> {
    const group = await repos.securityGroups.get(caller.accountId, securityGroupId);
    if (!group || group.regionId !== regionId) {
      throw notFound('SecurityGroupNotFound', `The specified SecurityGroupId ${securityGroupId} does not exist.`);
    }
    return group;
  }

  async listSecurityGroups(
    caller: Caller,
    regionId: string,
  ): Promise<{ group: SecurityGroup; instanceCount: number }[]> {
    this.region(regionId);
    const groups = await this.store.repos.securityGroups.list(caller.accountId, regionId);
    return Promise.all(
      groups.map(async (group) => ({
        group,
        instanceCount: await this.store.repos.securityGroups.instanceCount(group.securityGroupId),
      })),
    );
  }

  async deleteSecurityGroup(caller: Caller, input: { regionId: string; securityGroupId: string }): Promise<void> {
    this.region(input.regionId);
    await this.store.transaction(async (repos) => {
      const group = await this.securityGroup(repos, caller, input.securityGroupId, input.regionId);
      if ((await repos.securityGroups.instanceCount(group.securityGroupId)) > 0) {
        throw forbidden('SecurityGroupInUse', 'There is still instance(s) in the specified security group.');
      }
      await repos.securityGroups.delete(group.securityGroupId);
    });
  }
}
