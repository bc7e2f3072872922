import { randomUUID } from 'node:crypto';
import { defineOperation } from '../operation.js';

/**
 * POST /v1/token/create: the Node SDK's createInstance asks for a client token here before it
 * creates. Any unused token will do, so nothing is stored until a create presents it.
 */
export default defineOperation({
  name: 'CreateClientToken',
  method: 'POST',
  path: 'token/create',
  mutating: false,
  async handle() {
    return { token: randomUUID() };
  },
});
