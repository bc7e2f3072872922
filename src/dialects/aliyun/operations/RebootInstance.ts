import { lifecycleOperation } from '../lifecycle-operation.js';
import { p } from '../params.js';

export default lifecycleOperation('RebootInstance', 'reboot', { ForceStop: p.boolean() });
