import { callV3 } from './call.js';
import { sleep } from './processes.js';
import { IMAGE, INSTANCE_TYPE, REGION } from './seed.js';

export const VNC_PASSWORD = 'Bench1';

/** Runs `count` Linux instances through the API, waits until they run, and sets their VNC password. */
export async function runningInstances(host: string, count: number): Promise<string[]> {
  const group = JSON.parse((await callV3(host, 'CreateSecurityGroup', { RegionId: REGION })).body) as {
    SecurityGroupId: string;
  };
  const ids: string[] = [];
  while (ids.length < count) {
    const amount = Math.min(100, count - ids.length);
    const { body } = await callV3(host, 'RunInstances', {
      RegionId: REGION,
      ImageId: IMAGE,
      InstanceType: INSTANCE_TYPE,
      SecurityGroupId: group.SecurityGroupId,
      Amount: String(amount),
    });
    ids.push(...(JSON.parse(body) as { InstanceIdSets: { InstanceIdSet: string[] } }).InstanceIdSets.InstanceIdSet);
  }
  for (const id of ids) {
    // The guest must be Running and booted before a VNC password can be set.
    for (let attempt = 0; ; attempt++) {
      try {
        await callV3(host, 'ModifyInstanceVncPasswd', { RegionId: REGION, InstanceId: id, VncPassword: VNC_PASSWORD });
        break;
      } catch (error) {
        if (attempt > 200 || !/InstanceNotReady|IncorrectInstanceStatus/.test((error as Error).message)) throw error;
        await sleep(50);
      }
    }
  }
  return ids;
}

/** A fresh single-use console URL (ws://host/websockify/?s=token) for the instance. */
export async function consoleUrl(host: string, instanceId: string): Promise<string> {
  const { body } = await callV3(host, 'DescribeInstanceVncUrl', { RegionId: REGION, InstanceId: instanceId });
  return decodeURIComponent((JSON.parse(body) as { VncUrl: string }).VncUrl);
}
