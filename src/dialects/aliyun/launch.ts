import { createHash } from 'node:crypto';
import type { Caller } from '../../core/model.js';
import type { Core } from '../../core/core.js';
import type { LaunchRequest } from '../../core/instances.js';
import { MAX_AMOUNT } from '../../core/instances.js';
import { AliyunError, gateway } from './errors.js';
import { sequentialNames } from './naming.js';
import { p, type Parsed } from './params.js';
import {
  descriptionRule,
  hostNameShapeRule,
  instanceNameRule,
  isValidHostName,
  passwordFitsOs,
  passwordRule,
  userDataBase64Rule,
  userDataSizeRule,
} from './rules.js';

/** The parameters RunInstances and CreateInstance share. */
export const launchParams = {
  RegionId: p.string({ required: true }),
  ZoneId: p.string(),
  ImageId: p.string({ required: true }),
  InstanceType: p.string({ required: true }),
  SecurityGroupId: p.string(),
  VSwitchId: p.string(),
  InstanceName: p.string({ maxLength: 128 }),
  HostName: p.string({ maxLength: 64 }),
  UniqueSuffix: p.boolean(),
  Password: p.string({ rules: [passwordRule] }),
  Description: p.string({ rules: [descriptionRule] }),
  IoOptimized: p.string({ enum: ['optimized', 'none'] }),
  UserData: p.string({ rules: [userDataBase64Rule, userDataSizeRule] }),
  Tag: p.objectList(
    { Key: p.string({ required: true, maxLength: 128 }), Value: p.string({ maxLength: 128 }) },
    { max: 20 },
  ),
  InstanceChargeType: p.string({ enum: ['PrePaid', 'PostPaid'] }),
  DeletionProtection: p.boolean(),
  CreditSpecification: p.string({ enum: ['Standard', 'Unlimited'] }),
  ClientToken: p.string({ maxLength: 64 }),
  InternetMaxBandwidthOut: p.integer({ min: 0, max: 100 }),
  SystemDisk: p.object({ Category: p.string(), Size: p.integer({ min: 20, max: 2048 }) }),
};

type LaunchParams = Parsed<typeof launchParams> & { SecurityGroupIds?: string[] };

const hostNameError = () => new AliyunError(hostNameShapeRule.code, 400, hostNameShapeRule.message);

/** Turns the shared parameters into core's LaunchRequest, applying the rules that need the image's OS. */
export function launchRequest(core: Core, params: LaunchParams, amount: number, start: boolean): LaunchRequest {
  if (amount > MAX_AMOUNT) throw gateway.invalid('Amount');
  const securityGroupIds = params.SecurityGroupIds ?? (params.SecurityGroupId ? [params.SecurityGroupId] : []);
  if (securityGroupIds.length === 0) throw gateway.missing('SecurityGroupId');
  const osType = core.instances.image(params.ImageId).osType;
  if (params.Password !== undefined && !passwordFitsOs(params.Password, osType)) {
    throw new AliyunError(passwordRule.code, 400, passwordRule.message);
  }
  const unique = params.UniqueSuffix ?? false;
  const instanceNames = sequentialNames(params.InstanceName, amount, unique);
  const hostNames = sequentialNames(params.HostName, amount, unique);
  for (const name of instanceNames) {
    if (name !== undefined && !instanceNameRule.test(name))
      throw new AliyunError(instanceNameRule.code, 400, instanceNameRule.message);
  }
  for (const name of hostNames) {
    if (name !== undefined && !isValidHostName(name, osType)) throw hostNameError();
  }
  return {
    regionId: params.RegionId,
    zoneId: params.ZoneId,
    imageId: params.ImageId,
    instanceType: params.InstanceType,
    vSwitchId: params.VSwitchId,
    securityGroupIds,
    names: instanceNames.map((instanceName, i) => ({ instanceName, hostName: hostNames[i] })),
    description: params.Description,
    password: params.Password,
    ioOptimized: params.IoOptimized !== 'none',
    userData: params.UserData,
    tags: (params.Tag ?? []).map((t) => ({ key: t.Key, value: t.Value ?? '' })),
    chargeType: params.InstanceChargeType === 'PrePaid' ? 'PrePaid' : 'PostPaid',
    deletionProtection: params.DeletionProtection ?? false,
    creditSpecification: params.CreditSpecification,
    start,
  };
}

/**
 * Launches, or with a ClientToken answers the instances an earlier identical call launched
 * (Alibaba's idempotency). The fingerprint covers the parameters but never the password's value.
 */
export async function launchIdempotent(
  core: Core,
  caller: Caller,
  params: LaunchParams & { ClientToken?: string },
  request: LaunchRequest,
): Promise<string[]> {
  if (!params.ClientToken) return (await core.instances.launch(caller, request)).map((i) => i.instanceId);
  const { ClientToken: token, Password: password, ...rest } = params;
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(Object.entries({ ...rest, Password: password === undefined ? null : 'set' }).sort()))
    .digest('hex');
  // Namespaced: the Baidu dialect keeps its clientTokens in the same per-account table.
  const outcome = await core.clientTokens.launchOnce(caller, `ecs:${token}`, fingerprint, request);
  return outcome.instanceIds;
}
