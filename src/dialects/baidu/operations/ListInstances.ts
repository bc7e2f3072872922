import type { InstanceFilter } from '../../../core/repositories.js';
import { bce } from '../errors.js';
import { defineOperation } from '../operation.js';
import { instanceModel } from '../shapes.js';

const MAX_KEYS = 1000;
const MAX_IDS = 100;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

function maxKeys(value: string | undefined): number {
  if (value === undefined || value === '') return MAX_KEYS;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_KEYS)) throw bce.uri(`maxKeys must be an integer from 1 to ${MAX_KEYS}`);
  return n;
}

/**
 * GET /v2/instance: the caller's instances in the request's region, newest first. `marker` is
 * opaque, as Baidu documents it ("a system-generated string"): pass back the nextMarker a page gave.
 */
export default defineOperation({
  name: 'ListInstances',
  method: 'GET',
  path: 'instance',
  mutating: false,
  async handle(ctx) {
    const limit = maxKeys(ctx.query.get('maxKeys'));
    const marker = ctx.query.get('marker') ?? '';
    if (marker !== '' && !/^\d{1,18}$/.test(marker)) {
      throw bce.uri('marker is not one this server issued: pass back the nextMarker of the previous page');
    }
    const filter: InstanceFilter = { accountId: ctx.caller.accountId, regionId: ctx.regionId };
    const internalIp = ctx.query.get('internalIp');
    if (internalIp) {
      if (!IPV4.test(internalIp)) throw bce.uri('internalIp must be an IPv4 address');
      filter.privateIp = internalIp;
    }
    const zoneName = ctx.query.get('zoneName');
    if (zoneName) filter.zoneId = zoneName;
    const ids = ctx.query.get('instanceIds');
    if (ids) {
      filter.instanceIds = ids
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean);
      if (filter.instanceIds.length > MAX_IDS) throw bce.uri(`instanceIds may name at most ${MAX_IDS} instances`);
    }
    // No openecs instance has a dedicated host or a key pair: filtering by one finds nothing.
    const impossible = Boolean(ctx.query.get('dedicatedHostId') || ctx.query.get('keypairId'));
    const page = impossible
      ? { items: [], next: null }
      : await ctx.core.instances.find(filter, { limit, ...(marker ? { after: marker } : {}) });
    return {
      marker,
      isTruncated: page.next !== null,
      ...(page.next !== null ? { nextMarker: page.next } : {}),
      maxKeys: limit,
      instances: page.items.map((instance) => instanceModel(instance, ctx.core.networks.catalog)),
    };
  },
});
