import { AliyunError } from '../errors.js';
import { defineOperation } from '../operation.js';
import { p } from '../params.js';
import {
  descriptionRule,
  hostNameShapeRule,
  instanceNameRule,
  isValidHostName,
  oneOf,
  passwordFitsOs,
  passwordRule,
  userDataBase64Rule,
  userDataSizeRule,
} from '../rules.js';

const remotePassword = {
  ...passwordRule,
  code: 'InvalidRemoteConnectionOptions.Password',
  message: 'The remote connection password is invalid.',
};

export default defineOperation({
  action: 'ModifyInstanceAttribute',
  mutating: true,
  params: {
    InstanceId: p.string({ required: true }),
    Password: p.string({ rules: [passwordRule] }),
    HostName: p.string({ rules: [hostNameShapeRule] }),
    InstanceName: p.string({ rules: [instanceNameRule] }),
    Description: p.string({ rules: [descriptionRule] }),
    UserData: p.string({ rules: [userDataBase64Rule, userDataSizeRule] }),
    Recyclable: p.boolean(),
    CreditSpecification: p.string({
      rules: [
        oneOf(
          ['Standard', 'Unlimited'],
          'InvalidParameter.CreditSpecification',
          'The specified CreditSpecification is not supported in this region.',
        ),
      ],
    }),
    DeletionProtection: p.boolean(),
    NetworkInterfaceQueueNumber: p.integer(),
    SecurityGroupIds: p.list({ max: 16 }),
    RemoteConnectionOptions: p.object({
      Password: p.string({ rules: [remotePassword] }),
      Type: p.string({
        rules: [
          oneOf(['hide', 'show'], 'InvalidRemoteConnectionOptions.Type', 'The remote connection type is invalid.'),
        ],
      }),
    }),
    EnableJumboFrame: p.boolean(),
    CpuOptions: p.object({
      Core: p.integer(),
      ThreadsPerCore: p.integer(),
      TopologyType: p.string({
        rules: [
          oneOf(
            ['ContinuousCoreToHTMapping', 'DiscreteCoreToHTMapping'],
            'InvalidParameter.CpuOptionsTopologyType',
            'The specified parameter CpuOptions.TopologyType is not valid.',
          ),
        ],
      }),
      NestedVirtualization: p.string({
        rules: [
          oneOf(
            ['enabled', 'disabled'],
            'InvalidParameter.CpuOptionsNestedVirtualization',
            'The specified parameter CpuOptions.NestedVirtualization is not valid.',
          ),
        ],
      }),
    }),
    PrivateDnsNameOptions: p.object({
      EnableInstanceIdDnsARecord: p.boolean(),
      EnableInstanceIdDnsAAAARecord: p.boolean(),
      EnableIpDnsARecord: p.boolean(),
      EnableIpDnsPtrRecord: p.boolean(),
      HostnameType: p.string({ enum: ['Custom', 'IpBased', 'InstanceIdBased'] }),
    }),
    EnableNetworkEncryption: p.boolean(),
  },
  async handle({ core, caller }, params) {
    // The OS-specific halves of the password and hostname rules need the instance's OS.
    if (params.Password !== undefined || params.HostName !== undefined) {
      const { osType } = await core.instances.describe(caller, params.InstanceId);
      if (params.Password !== undefined && !passwordFitsOs(params.Password, osType)) {
        throw new AliyunError(passwordRule.code, 400, passwordRule.message);
      }
      if (params.HostName !== undefined && !isValidHostName(params.HostName, osType)) {
        throw new AliyunError(hostNameShapeRule.code, 400, hostNameShapeRule.message);
      }
    }
    const dns = params.PrivateDnsNameOptions;
    await core.instances.modifyAttributes(caller, params.InstanceId, {
      password: params.Password,
      hostName: params.HostName,
      instanceName: params.InstanceName,
      description: params.Description,
      userData: params.UserData,
      deletionProtection: params.DeletionProtection,
      securityGroupIds: params.SecurityGroupIds,
      networkInterfaceQueueNumber: params.NetworkInterfaceQueueNumber,
      cpuOptions: params.CpuOptions && {
        core: params.CpuOptions.Core,
        threadsPerCore: params.CpuOptions.ThreadsPerCore,
        topologyType: params.CpuOptions.TopologyType,
        nestedVirtualization: params.CpuOptions.NestedVirtualization,
      },
      enableJumboFrame: params.EnableJumboFrame,
      creditSpecification: params.CreditSpecification,
      privateDnsNameOptions: dns && {
        enableInstanceIdDnsARecord: dns.EnableInstanceIdDnsARecord,
        enableInstanceIdDnsAAAARecord: dns.EnableInstanceIdDnsAAAARecord,
        enableIpDnsARecord: dns.EnableIpDnsARecord,
        enableIpDnsPtrRecord: dns.EnableIpDnsPtrRecord,
        hostnameType: dns.HostnameType as 'Custom' | 'IpBased' | 'InstanceIdBased' | undefined,
      },
      recyclable: params.Recyclable,
      remoteConnectionOptions: params.RemoteConnectionOptions && {
        password: params.RemoteConnectionOptions.Password,
        type: params.RemoteConnectionOptions.Type,
      },
      enableNetworkEncryption: params.EnableNetworkEncryption,
    });
    return {};
  },
});
