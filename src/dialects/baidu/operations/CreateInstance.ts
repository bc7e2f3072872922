import { createHash } from 'node:crypto';
import type { Catalog } from '../../../core/catalog.js';
import { type LaunchRequest, MAX_AMOUNT } from '../../../core/instances.js';
import { field, type JsonObject } from '../body.js';
import { bce } from '../errors.js';
import { defineOperation } from '../operation.js';
import { checkHostname, checkName, checkPassword } from '../rules.js';

/** Baidu's clientToken: up to 64 printable ASCII characters. */
const CLIENT_TOKEN = /^[\x21-\x7e]{1,64}$/;
const MAX_TAGS = 20;

/**
 * `spec` names an openecs instance type (ecs.g7.large); without it, cpuCount and
 * memoryCapacityInGB choose the first catalog type of that size, preferring a non-burstable one.
 */
function instanceTypeFor(catalog: Catalog, body: JsonObject): string {
  const spec = field.string(body, 'spec');
  if (spec) return spec;
  const cpuCount = field.integer(body, 'cpuCount', { min: 0, max: 1024 }) ?? 0;
  const memory = field.integer(body, 'memoryCapacityInGB', { min: 0, max: 16384 }) ?? 0;
  if (!cpuCount || !memory) throw bce.inappropriateJson('spec, or cpuCount with memoryCapacityInGB, is required');
  const sized = catalog.instanceTypes.filter((t) => t.vcpus === cpuCount && t.memoryGiB === memory);
  const chosen = sized.find((t) => !t.burstable) ?? sized[0];
  if (!chosen) {
    throw bce.inappropriateJson(`no instance type has cpuCount ${cpuCount} and memoryCapacityInGB ${memory}`);
  }
  return chosen.instanceTypeId;
}

function chargeType(body: JsonObject): LaunchRequest['chargeType'] {
  const billing = field.object(body, 'billing');
  const timing = billing && field.string(billing, 'paymentTiming');
  if (timing === undefined || timing === 'Postpaid') return 'PostPaid';
  if (timing === 'Prepaid') return 'PrePaid';
  throw bce.inappropriateJson('billing.paymentTiming must be Prepaid or Postpaid');
}

/** Key-order independent JSON, so that a retry's fingerprint does not depend on how it was serialized. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as JsonObject).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** POST /v2/instance?clientToken=...: creates and starts instances; adminPass arrives encrypted. */
export default defineOperation({
  name: 'CreateInstance',
  method: 'POST',
  path: 'instance',
  mutating: true,
  async handle(ctx) {
    const body = ctx.body();
    const clientToken = ctx.query.get('clientToken') || undefined;
    if (clientToken !== undefined && !CLIENT_TOKEN.test(clientToken)) {
      throw bce.uri('clientToken must be 1 to 64 printable ASCII characters');
    }
    const imageId = field.string(body, 'imageId', { required: true })!;
    const instanceType = instanceTypeFor(ctx.core.networks.catalog, body);
    const count = field.integer(body, 'purchaseCount', { min: 1, max: MAX_AMOUNT }) ?? 1;
    const name = field.string(body, 'name') || undefined;
    if (name !== undefined) checkName(name);
    const hostname = field.string(body, 'hostname') || undefined;
    if (hostname !== undefined) checkHostname(hostname);
    const encrypted = field.string(body, 'adminPass') || undefined;
    const password = encrypted === undefined ? undefined : ctx.adminPass(encrypted);
    if (password !== undefined) checkPassword(password);
    const securityGroupId = field.string(body, 'securityGroupId') || undefined;
    const tags = field.objects(body, 'tags', MAX_TAGS).map((tag) => ({
      key: field.string(tag, 'tagKey', { required: true })!,
      value: field.string(tag, 'tagValue') ?? '',
    }));
    const request: LaunchRequest = {
      regionId: ctx.regionId,
      zoneId: field.string(body, 'zoneName') || undefined,
      imageId,
      instanceType,
      vSwitchId: field.string(body, 'subnetId') || undefined,
      securityGroupIds: securityGroupId ? [securityGroupId] : [],
      names: Array.from({ length: count }, () => ({ instanceName: name, hostName: hostname })),
      password,
      ioOptimized: true,
      tags,
      chargeType: chargeType(body),
      deletionProtection: false,
      // A BCC instance runs once created: there is no create-stopped.
      start: true,
    };
    let instanceIds: string[];
    const notes: string[] = [];
    if (clientToken === undefined) {
      instanceIds = (await ctx.core.instances.launch(ctx.caller, request)).map((i) => i.instanceId);
    } else {
      const fingerprint = createHash('sha256')
        .update(stableJson({ regionId: ctx.regionId, body }))
        .digest('hex');
      const outcome = await ctx.core.clientTokens.launchOnce(ctx.caller, clientToken, fingerprint, request);
      instanceIds = outcome.instanceIds;
      if (outcome.replayed) notes.push('replayed clientToken');
    }
    if (instanceIds.length > 1) notes.push(`instances ${instanceIds.join(',')}`);
    ctx.audit.resourceId = instanceIds.length === 1 ? instanceIds[0] : null;
    if (notes.length) ctx.audit.detail = notes.join('; ');
    return { instanceIds };
  },
});
