import { invalidState } from '../../../core/errors.js';
import { field } from '../body.js';
import { defineOperation } from '../operation.js';
import { checkPassword } from '../rules.js';
import { bccStatus } from '../shapes.js';

/**
 * PUT /v2/instance/{instanceId}?changePass, body {adminPass: hex(AES-128-ECB)}. Running or Stopped
 * only. On a Running instance the server restarts (Stopping, Starting, Running) and the password is
 * in force once it runs again; a Stopped one gets it at its next start. Kept only as a crypt hash.
 */
export default defineOperation({
  name: 'ChangeInstancePass',
  method: 'PUT',
  path: 'instance/{id}',
  action: 'changePass',
  mutating: true,
  errors: { IncorrectInstanceStatus: ['Instance.PasswordOperationForbidden', 409] },
  async handle(ctx) {
    const password = ctx.adminPass(field.string(ctx.body(), 'adminPass', { required: true })!);
    checkPassword(password);
    const instance = await ctx.instance();
    await ctx.core.instances.resetPassword(ctx.caller, instance.instanceId, password, (current) => {
      if (current.status !== 'Running' && current.status !== 'Stopped') {
        throw invalidState(
          'IncorrectInstanceStatus',
          `The password can change only while the instance is Running or Stopped (status: ${bccStatus(current.status)}).`,
        );
      }
    });
    return {};
  },
});
