import { DEFAULT_ACCOUNT, AccountService } from '../../src/core/accounts.js';
import { BUILT_IN_CATALOG } from '../../src/core/catalog.js';
import { systemClock } from '../../src/core/clock.js';
import { resourceId } from '../../src/core/ids.js';
import type { Caller, Instance, VSwitch } from '../../src/core/model.js';
import { NetworkService } from '../../src/core/networks.js';
import { SecretBox } from '../../src/core/secrets.js';
import { openStore } from '../../src/store/database.js';
import { DataDir } from '../../src/server/data-dir.js';
import { instanceFixture } from '../../test/helpers/instance-fixture.js';
import type { AccessKey } from './sign-v3.js';

export const REGION = 'cn-hangzhou';
export const IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240926.vhd';
export const INSTANCE_TYPE = 'ecs.g7.large';
/** A normal security group holds at most 2,000 instances; the seed fills groups to 1,000. */
const INSTANCES_PER_GROUP = 1000;
const BATCH = 5000;

export interface Seeded {
  instanceIds: string[];
  ms: number;
}

function stoppedInstance(caller: Caller, vSwitch: VSwitch, groupId: string, n: number, now: number): Instance {
  return instanceFixture({
    instanceId: resourceId('i', 'bp'),
    accountId: caller.accountId,
    regionId: REGION,
    zoneId: vSwitch.zoneId,
    instanceName: `bench-${n}`,
    imageId: IMAGE,
    instanceType: INSTANCE_TYPE,
    vpcId: vSwitch.vpcId,
    vSwitchId: vSwitch.vSwitchId,
    // Addresses only need to look plausible here: 10.x.y.z, unique per instance.
    privateIp: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
    securityGroupIds: [groupId],
    createdAt: now - (100_000 - n),
  });
}

/**
 * Fills a fresh data dir with `count` Stopped instances of the default account, written through
 * the store's own repositories (what the server reads back), in large transactions so that seeding
 * 100,000 takes seconds rather than the minutes the API would.
 */
export async function seedDataDir(dir: string, count: number, key: AccessKey): Promise<Seeded> {
  const started = performance.now();
  const dataDir = new DataDir(dir);
  const store = await openStore({ kind: 'sqlite', file: dataDir.databaseFile });
  try {
    const secrets = new SecretBox(dataDir.masterKey());
    const accounts = new AccountService(store, secrets, systemClock);
    const networks = new NetworkService(store, BUILT_IN_CATALOG, systemClock);
    const issued = await accounts.createKey(DEFAULT_ACCOUNT, key);
    const caller: Caller = {
      accountId: issued.accountId,
      accessKeyId: key.id,
      sourceIp: '127.0.0.1',
      requestId: 'seed',
    };
    const region = networks.region(REGION);
    const vSwitch = await store.transaction((repos) => networks.defaultVSwitch(repos, caller.accountId, region));
    const groups: string[] = [];
    for (let g = 0; g * INSTANCES_PER_GROUP < count; g++) {
      groups.push((await networks.createSecurityGroup(caller, { regionId: REGION })).securityGroupId);
    }
    const instanceIds: string[] = [];
    const now = Date.now();
    for (let first = 0; first < count; first += BATCH) {
      await store.transaction(async (repos) => {
        for (let n = first; n < Math.min(count, first + BATCH); n++) {
          const instance = stoppedInstance(caller, vSwitch, groups[Math.floor(n / INSTANCES_PER_GROUP)]!, n, now);
          await repos.instances.insert(instance);
          instanceIds.push(instance.instanceId);
        }
      });
    }
    return { instanceIds, ms: performance.now() - started };
  } finally {
    await store.close();
  }
}
