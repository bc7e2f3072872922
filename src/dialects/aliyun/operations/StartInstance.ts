import { lifecycleOperation } from '../lifecycle-operation.js';

export default lifecycleOperation('StartInstance', 'start', {});
