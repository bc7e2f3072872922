import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import { vncPasswordRule } from '../rules.js';

export default defineOperation({
  action: 'ModifyInstanceVncPasswd',
  mutating: true,
  params: {
    RegionId: p.string({ required: true }),
    InstanceId: p.string({ required: true }),
    VncPassword: p.string({ required: true, rules: [vncPasswordRule] }),
  },
  async handle({ core, caller }, params) {
    await core.instances.modifyVncPassword(caller, {
      regionId: params.RegionId,
      instanceId: params.InstanceId,
      password: params.VncPassword,
    });
    return {};
  },
});
