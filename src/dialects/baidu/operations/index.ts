import ChangeInstancePass from './ChangeInstancePass.js';
import CreateInstance from './CreateInstance.js';
import CreateToken from './CreateToken.js';
import DeleteInstance from './DeleteInstance.js';
import GetInstance from './GetInstance.js';
import GetInstanceVnc from './GetInstanceVnc.js';
import ListInstances from './ListInstances.js';
import ModifyInstanceAttribute from './ModifyInstanceAttribute.js';
import ModifyInstanceDesc from './ModifyInstanceDesc.js';
import RebootInstance from './RebootInstance.js';
import StartInstance from './StartInstance.js';
import StopInstance from './StopInstance.js';
import type { Operation } from '../operation.js';

/** Every BCC endpoint openecs serves, under both /v2 and the Node SDK's /v1. */
export const OPERATIONS: readonly Operation[] = [
  CreateInstance,
  ListInstances,
  GetInstance,
  StartInstance,
  StopInstance,
  RebootInstance,
  DeleteInstance,
  ChangeInstancePass,
  ModifyInstanceAttribute,
  ModifyInstanceDesc,
  GetInstanceVnc,
  CreateToken,
];
