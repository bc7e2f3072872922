import type { Catalog } from '../../../core/catalog.js';
import type { Instance } from '../../../core/model.js';
import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { instanceAttribute } from '../shapes.js';

/**
 * Shapes of frozen instances: the store's read cache hands out one frozen object per instance
 * version, so its shape, and with it the rendered JSON (render.ts), is built once per version.
 */
const shapes = new WeakMap<Instance, Record<string, unknown>>();

function shapeOf(instance: Instance, catalog: Catalog): Record<string, unknown> {
  if (!Object.isFrozen(instance)) return instanceAttribute(instance, catalog);
  let shape = shapes.get(instance);
  if (!shape) shapes.set(instance, (shape = Object.freeze(instanceAttribute(instance, catalog))));
  return shape;
}

export default defineOperation({
  action: 'DescribeInstanceAttribute',
  mutating: false,
  params: { InstanceId: p.string({ required: true }) },
  async handle({ core, caller }, params) {
    return shapeOf(await core.instances.describe(caller, params.InstanceId), core.networks.catalog);
  },
});
