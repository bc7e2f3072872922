import type { Operation } from '../operation.js';
import CreateInstance from './CreateInstance.js';
import CreateSecurityGroup from './CreateSecurityGroup.js';
import CreateVpc from './CreateVpc.js';
import CreateVSwitch from './CreateVSwitch.js';
import DeleteInstance from './DeleteInstance.js';
import DeleteSecurityGroup from './DeleteSecurityGroup.js';
import DescribeImages from './DescribeImages.js';
import DescribeInstanceAttribute from './DescribeInstanceAttribute.js';
import DescribeInstances from './DescribeInstances.js';
import DescribeInstanceStatus from './DescribeInstanceStatus.js';
import DescribeInstanceTypes from './DescribeInstanceTypes.js';
import DescribeInstanceVncUrl from './DescribeInstanceVncUrl.js';
import DescribeRegions from './DescribeRegions.js';
import DescribeSecurityGroups from './DescribeSecurityGroups.js';
import DescribeUserData from './DescribeUserData.js';
import DescribeVpcs from './DescribeVpcs.js';
import DescribeVSwitches from './DescribeVSwitches.js';
import DescribeZones from './DescribeZones.js';
import JoinSecurityGroup from './JoinSecurityGroup.js';
import LeaveSecurityGroup from './LeaveSecurityGroup.js';
import ModifyInstanceAttribute from './ModifyInstanceAttribute.js';
import ModifyInstanceVncPasswd from './ModifyInstanceVncPasswd.js';
import RebootInstance from './RebootInstance.js';
import RunInstances from './RunInstances.js';
import StartInstance from './StartInstance.js';
import StopInstance from './StopInstance.js';

/** Every Alibaba operation openecs serves: the router, the docs table and "unknown action" derive from this list. */
export const OPERATIONS: readonly Operation[] = [
  CreateInstance,
  CreateSecurityGroup,
  CreateVpc,
  CreateVSwitch,
  DeleteInstance,
  DeleteSecurityGroup,
  DescribeImages,
  DescribeInstanceAttribute,
  DescribeInstances,
  DescribeInstanceStatus,
  DescribeInstanceTypes,
  DescribeInstanceVncUrl,
  DescribeRegions,
  DescribeSecurityGroups,
  DescribeUserData,
  DescribeVpcs,
  DescribeVSwitches,
  DescribeZones,
  JoinSecurityGroup,
  LeaveSecurityGroup,
  ModifyInstanceAttribute,
  ModifyInstanceVncPasswd,
  RebootInstance,
  RunInstances,
  StartInstance,
  StopInstance,
] as Operation[];
