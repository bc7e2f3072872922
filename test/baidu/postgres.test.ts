import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type BccInstance,
  createInstance,
  encryptAdminPass,
  instanceAction,
  LINUX_IMAGE,
  signedRequest,
  waitForBccStatus,
} from '../helpers/bce.js';
import { postgresAvailable, TestPostgres } from '../helpers/postgres.js';
import { TEST_KEY, TestServer } from '../helpers/server.js';

/**
 * What the BCC dialect added to the store, on PostgreSQL: there transactions really run side by
 * side, so concurrent creates with one clientToken meet at the client_tokens primary key.
 */
describe(
  'BCC on PostgreSQL',
  { skip: postgresAvailable ? false : 'PostgreSQL server binaries are not installed' },
  () => {
    let pg: TestPostgres;
    let server: TestServer;
    before(async () => {
      pg = await TestPostgres.start();
      server = await TestServer.start({ args: ['--database-url', pg.url] });
    });
    after(async () => {
      await server?.dispose();
      pg?.stop();
    });

    test('concurrent creates with one clientToken launch once', async () => {
      const body = { imageId: LINUX_IMAGE, spec: 'ecs.g7.large', name: 'pg-race' };
      const racing = await Promise.all(
        Array.from({ length: 8 }, () =>
          signedRequest(server, { method: 'POST', path: '/v2/instance', query: [['clientToken', 'pg-token']], body }),
        ),
      );
      for (const answer of racing) assert.equal(answer.status, 200, answer.text);
      assert.equal(new Set(racing.map((r) => JSON.stringify(r.json.instanceIds))).size, 1);
      const listed = await signedRequest(server, { method: 'GET', path: '/v2/instance' });
      assert.equal((listed.json.instances as BccInstance[]).filter((i) => i.name === 'pg-race').length, 1);
    });

    test('the internalIp filter and changePass', async () => {
      const [id] = (await createInstance(server, { adminPass: 'Before(1)x' })) as [string];
      const listed = await signedRequest(server, { method: 'GET', path: '/v2/instance' });
      const ip = (listed.json.instances as BccInstance[]).find((i) => i.id === id)!.internalIp;
      const filtered = await signedRequest(server, {
        method: 'GET',
        path: '/v2/instance',
        query: [['internalIp', ip]],
      });
      assert.deepEqual(
        (filtered.json.instances as BccInstance[]).map((i) => i.id),
        [id],
      );
      await waitForBccStatus(server, id, 'Running');
      assert.equal(
        (await instanceAction(server, id, 'changePass', { adminPass: encryptAdminPass('After(2)y', TEST_KEY.secret) }))
          .status,
        200,
      );
      await waitForBccStatus(server, id, 'Running');
    });
  },
);
