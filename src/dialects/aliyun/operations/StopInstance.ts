import { lifecycleOperation } from '../lifecycle-operation.js';
import { p } from '../params.js';

// ForceStop and StoppedMode are accepted: a simulated guest stops the same way either way.
export default lifecycleOperation('StopInstance', 'stop', {
  ForceStop: p.boolean(),
  StoppedMode: p.string({ enum: ['KeepCharging', 'StopCharging'] }),
});
