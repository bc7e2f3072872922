import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { auditOf, expectRefused, WsViewer } from '../console/helpers.js';
import {
  bccClient,
  bccError,
  type BccInstance,
  bccStatus,
  createInstance,
  encryptAdminPass,
  getInstance,
  instanceAction,
  LINUX_IMAGE,
  signedRequest,
  waitForBccStatus,
} from '../helpers/bce.js';
import { openecs, TEST_KEY, TestServer, until } from '../helpers/server.js';
import { gatewayUrlOf } from '../helpers/guest-console.js';

const instanceOf = async (server: TestServer, id: string, host?: string) =>
  (await getInstance(server, id, host ? { host } : {})).json.instance as BccInstance;

describe('BCC instances through the official Node SDK (/v1)', () => {
  let server: TestServer;
  before(async () => {
    // Long enough that each transitional state is still there when read back on a busy machine.
    server = await TestServer.start({ transitionSeconds: 1 });
  });
  after(() => server.dispose());

  test('createInstance, getInstance, listInstances, stop, start, restart, getVNCUrl, deleteInstance', async () => {
    const sdk = bccClient(server);
    const created = await sdk.createInstance({
      imageId: LINUX_IMAGE,
      cpuCount: 2,
      memoryCapacityInGB: 8,
      name: 'node-sdk',
    });
    const [id] = created.body.instanceIds as [string];
    assert.match(id, /^i-[a-z0-9]+$/);

    const got = (await sdk.getInstance(id)).body.instance;
    assert.equal(got.id, id);
    assert.equal(got.name, 'node-sdk');
    assert.equal(got.cpuCount, 2);
    assert.equal(got.memoryCapacityInGB, 8);
    assert.equal(got.imageId, LINUX_IMAGE);
    assert.equal(got.paymentTiming, 'Postpaid');
    assert.match(got.zoneName, /^cn-beijing-/, 'the default region for a Host that is no BCC endpoint');
    assert.match(got.internalIp, /^172\.16\.\d+\.\d+$/);
    assert.match(got.createTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(['Starting', 'Running'].includes(got.status));
    for (const key of ['hostname', 'desc', 'vpcId', 'subnetId', 'osName', 'spec', 'instanceType', 'tags'])
      assert.ok(key in got, key);

    await until(async () => (await sdk.getInstance(id)).body.instance.status === 'Running', 'Running');
    const listed = (await sdk.listInstances()).body;
    assert.equal(listed.isTruncated, false);
    assert.equal(listed.maxKeys, 1000);
    assert.ok(listed.instances.some((i) => i.id === id));

    assert.deepEqual((await sdk.stopInstance(id)).body, {});
    assert.equal((await sdk.getInstance(id)).body.instance.status, 'Stopping');
    await until(async () => (await sdk.getInstance(id)).body.instance.status === 'Stopped', 'Stopped');
    const stopAgain = await bccError(sdk.stopInstance(id));
    assert.deepEqual([stopAgain.status, stopAgain.code], [409, 'Instance.StopInstanceOperationForbidden']);
    const restartStopped = await bccError(sdk.restartInstance(id));
    assert.deepEqual([restartStopped.status, restartStopped.code], [409, 'Instance.RebootInstanceOperationForbidden']);
    const vncStopped = await bccError(sdk.getVNCUrl(id));
    assert.equal(vncStopped.status, 409);

    await sdk.startInstance(id);
    assert.equal((await sdk.getInstance(id)).body.instance.status, 'Starting');
    await until(async () => (await sdk.getInstance(id)).body.instance.status === 'Running', 'Running');
    const startAgain = await bccError(sdk.startInstance(id));
    assert.deepEqual([startAgain.status, startAgain.code], [409, 'Instance.StartInstanceOperationForbidden']);

    assert.deepEqual((await sdk.restartInstance(id)).body, {});
    assert.equal((await sdk.getInstance(id)).body.instance.status, 'Stopping');
    await until(async () => (await sdk.getInstance(id)).body.instance.status === 'Running', 'Running after the reboot');

    // The web terminal: a one-time page URL whose console token the gateway admits once.
    const vnc = await until(
      () =>
        sdk.getVNCUrl(id).then(
          (r) => r.body.vncUrl,
          () => undefined,
        ),
      'a console URL',
    );
    const page = new URL(vnc);
    assert.equal(page.origin, server.url);
    assert.equal(page.pathname, '/vnc/');
    assert.equal(page.searchParams.get('instanceId'), id);
    assert.equal(page.searchParams.get('isWindows'), 'false');
    assert.equal((await fetch(vnc)).status, 200, 'the page is served');
    const gateway = gatewayUrlOf(vnc);
    assert.match(gateway, new RegExp(`^ws://127\\.0\\.0\\.1:${server.port}/websockify/\\?s=`));
    const viewer = await WsViewer.open(gateway, null);
    assert.equal(viewer.width, 640);
    viewer.ws.close();
    assert.equal((await expectRefused(gateway)).code, 'ConsoleTokenUsed', 'the URL is good for one connection');
    const issued = (await auditOf(server, id)).find((r) => r.action === 'ConsoleIssued');
    const expires = Date.parse(/expires (\S+)/.exec(issued?.detail ?? '')?.[1] ?? '');
    const ttl = expires - Date.parse(got.createTime);
    assert.ok(ttl > 9 * 60_000 && ttl < 20 * 60_000, `valid about 10 minutes (Baidu's documentation), got ${ttl} ms`);

    assert.deepEqual((await sdk.deleteInstance(id)).body, {});
    const gone = await bccError(sdk.getInstance(id));
    assert.deepEqual([gone.status, gone.code], [404, 'NoSuchObject']);
  });

  test('listInstances pages with maxKeys and marker', async () => {
    const sdk = bccClient(server);
    for (let i = 0; i < 5; i++)
      await sdk.createInstance({ imageId: LINUX_IMAGE, spec: 'ecs.c7.large', name: `page${i}` });
    const seen: string[] = [];
    let marker: string | undefined;
    for (let page = 0; page < 10; page++) {
      const body = (await sdk.listInstances({ maxKeys: 2, ...(marker ? { marker } : {}) })).body;
      assert.ok(body.instances.length <= 2);
      assert.equal(body.maxKeys, 2);
      assert.equal(body.marker, marker ?? '');
      seen.push(...body.instances.map((i) => i.id));
      if (!body.isTruncated) {
        assert.equal('nextMarker' in body, false, 'no nextMarker on the last page');
        break;
      }
      marker = body.nextMarker;
    }
    const all = (await sdk.listInstances()).body.instances.map((i) => i.id);
    assert.deepEqual(seen, all, 'pages add up to the whole list, in order, without repeats');
    assert.ok(all.length >= 5);
  });
});

describe('BCC instances through the spec client (/v2)', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ transitionSeconds: 1 });
  });
  after(() => server.dispose());

  test('clientToken: a retry answers the same instances; another request with the token is refused', async () => {
    const body = { imageId: LINUX_IMAGE, spec: 'ecs.g7.large', purchaseCount: 2, name: 'idem' };
    const create = (b: unknown, token = 'token-0001') =>
      signedRequest(server, { method: 'POST', path: '/v2/instance', query: [['clientToken', token]], body: b });
    const first = await create(body);
    assert.equal(first.status, 200, first.text);
    const ids = first.json.instanceIds as string[];
    assert.equal(ids.length, 2);
    const again = await create({ name: 'idem', purchaseCount: 2, spec: 'ecs.g7.large', imageId: LINUX_IMAGE });
    assert.deepEqual(again.json.instanceIds, ids, 'the same instances, whatever the key order');
    const mismatch = await create({ ...body, name: 'other' });
    assert.equal(mismatch.status, 403);
    assert.equal(mismatch.json.code, 'IdempotentParameterMismatch');

    // Concurrent creates with one new token: exactly one launch.
    const racing = await Promise.all(Array.from({ length: 6 }, () => create({ ...body, name: 'race' }, 'token-race')));
    const answers = new Set(racing.map((r) => JSON.stringify(r.json.instanceIds)));
    assert.equal(answers.size, 1, `one answer: ${[...answers].join(' | ')}`);
    const named = await signedRequest(server, { method: 'GET', path: '/v2/instance' });
    const instances = named.json.instances as BccInstance[];
    assert.equal(instances.filter((i) => i.name === 'race').length, 2, 'one purchase of two, not six');
    assert.equal(instances.filter((i) => i.name === 'idem').length, 2);

    // Tokens are the account's own: another account's same token launches anew.
    const other = await signedRequest(server, {
      method: 'POST',
      path: '/v2/instance',
      query: [['clientToken', 'token-0001']],
      body,
      key: await otherKey(server),
    });
    assert.equal(other.status, 200);
    assert.notDeepEqual(other.json.instanceIds, ids);
    assert.equal(
      (
        await signedRequest(server, {
          method: 'POST',
          path: '/v2/instance',
          query: [['clientToken', 'x'.repeat(65)]],
          body,
        })
      ).json.code,
      'InvalidURI',
    );
  });

  test('create: sizes, billing, tags, names, password and their refusals', async () => {
    const [id] = (await createInstance(server, {
      spec: undefined,
      cpuCount: 4,
      memoryCapacityInGB: 16,
      billing: { paymentTiming: 'Prepaid' },
      tags: [{ tagKey: 'env', tagValue: 'prod' }],
      name: 'web-01',
      hostname: 'web-01.internal',
      adminPass: 'Good(Pass)1',
      zoneName: 'cn-beijing-h',
    })) as [string];
    const shown = await instanceOf(server, id);
    assert.deepEqual([shown.cpuCount, shown.memoryCapacityInGB], [4, 16]);
    assert.equal(shown.paymentTiming, 'Prepaid');
    assert.deepEqual(shown.tags, [{ tagKey: 'env', tagValue: 'prod' }]);
    assert.deepEqual([shown.name, shown.hostname, shown.zoneName], ['web-01', 'web-01.internal', 'cn-beijing-h']);

    const refused: [unknown, number, string][] = [
      [{ spec: 'ecs.g7.large' }, 400, 'InappropriateJSON'], // no imageId
      [{ imageId: LINUX_IMAGE }, 400, 'InappropriateJSON'], // no size
      [{ imageId: LINUX_IMAGE, cpuCount: 3, memoryCapacityInGB: 5 }, 400, 'InappropriateJSON'],
      [{ imageId: 'no-such-image', spec: 'ecs.g7.large' }, 404, 'NoSuchObject'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.nope' }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', name: '1starts-with-digit' }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', hostname: 'Upper.Case' }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', hostname: 'a..b' }, 400, 'InappropriateJSON'],
      [
        { imageId: LINUX_IMAGE, spec: 'ecs.g7.large', adminPass: encryptAdminPass('weakpassword', TEST_KEY.secret) },
        400,
        'InappropriateJSON',
      ],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', adminPass: 'not-hex' }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', purchaseCount: 0 }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', billing: { paymentTiming: 'Monthly' } }, 400, 'InappropriateJSON'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', zoneName: 'cn-shanghai-e' }, 404, 'NoSuchObject'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', subnetId: 'vsw-nope' }, 404, 'NoSuchObject'],
      [{ imageId: LINUX_IMAGE, spec: 'ecs.g7.large', securityGroupId: 'sg-nope' }, 404, 'NoSuchObject'],
      ['{"imageId":', 400, 'MalformedJSON'],
    ];
    for (const [body, status, code] of refused) {
      const answer = await signedRequest(server, { method: 'POST', path: '/v2/instance', body });
      assert.deepEqual([answer.status, answer.json.code], [status, code], `${JSON.stringify(body)}: ${answer.text}`);
    }
  });

  test('list filters: internalIp, zoneName, instanceIds; refused maxKeys and markers', async () => {
    const [a] = (await createInstance(server, { zoneName: 'cn-beijing-i', name: 'filter-a' })) as [string];
    const [b] = (await createInstance(server, { zoneName: 'cn-beijing-i', name: 'filter-b' })) as [string];
    const ipA = (await instanceOf(server, a)).internalIp;
    const list = async (query: [string, string][]) => {
      const answer = await signedRequest(server, { method: 'GET', path: '/v2/instance', query });
      assert.equal(answer.status, 200, answer.text);
      return (answer.json.instances as BccInstance[]).map((i) => i.id).sort();
    };
    assert.deepEqual(await list([['internalIp', ipA]]), [a]);
    assert.deepEqual(await list([['internalIp', '10.9.9.9']]), []);
    assert.deepEqual(await list([['zoneName', 'cn-beijing-i']]), [a, b].sort());
    assert.deepEqual(await list([['instanceIds', `${a}, ${b},i-unknown`]]), [a, b].sort());
    assert.deepEqual(await list([['keypairId', 'k-1']]), [], 'no instance has a key pair');
    for (const query of [
      [['maxKeys', '0']],
      [['maxKeys', '1001']],
      [['maxKeys', 'ten']],
      [['marker', 'i-abc']],
      [['internalIp', '1.2.3']],
    ] as [string, string][][]) {
      const answer = await signedRequest(server, { method: 'GET', path: '/v2/instance', query });
      assert.deepEqual([answer.status, answer.json.code], [400, 'InvalidURI'], JSON.stringify(query));
    }
  });

  test('modifyAttribute renames, modifyDesc describes; both refuse bad values', async () => {
    const [id] = (await createInstance(server)) as [string];
    assert.equal((await instanceAction(server, id, 'modifyAttribute', { name: '新名字-2' })).status, 200);
    assert.equal((await instanceAction(server, id, 'modifyDesc', { desc: 'a description' })).status, 200);
    const shown = await instanceOf(server, id);
    assert.deepEqual([shown.name, shown.desc], ['新名字-2', 'a description']);
    for (const [action, body] of [
      ['modifyAttribute', { name: '' }],
      ['modifyAttribute', { name: 'x'.repeat(66) }],
      ['modifyAttribute', {}],
      ['modifyDesc', { desc: 'd'.repeat(201) }],
      ['modifyDesc', { desc: 5 }],
    ] as const) {
      const answer = await instanceAction(server, id, action, body);
      assert.deepEqual(
        [answer.status, answer.json.code],
        [400, 'InappropriateJSON'],
        `${action} ${JSON.stringify(body)}`,
      );
    }
    assert.equal((await instanceOf(server, id)).name, '新名字-2', 'nothing changed');
    const audit = await auditOf(server, id);
    assert.ok(audit.some((r) => r.action === 'ModifyInstanceDesc' && r.outcome === 'Success' && r.detail === 'desc'));
  });

  test('delete: Running or Stopped postpaid instances; not while creating, not prepaid', async () => {
    const [creating] = (await createInstance(server)) as [string];
    const early = await signedRequest(server, { method: 'DELETE', path: `/v2/instance/${creating}` });
    assert.deepEqual([early.status, early.json.code], [403, 'Instance.ReleaseWhileCreating']);
    await waitForBccStatus(server, creating, 'Running');
    assert.equal(
      (await signedRequest(server, { method: 'DELETE', path: `/v2/instance/${creating}` })).status,
      200,
      'a Running instance is released',
    );
    assert.equal((await getInstance(server, creating)).status, 404);

    const [prepaid] = (await createInstance(server, { billing: { paymentTiming: 'Prepaid' } })) as [string];
    await waitForBccStatus(server, prepaid, 'Running');
    const refused = await signedRequest(server, { method: 'DELETE', path: `/v2/instance/${prepaid}` });
    assert.deepEqual([refused.status, refused.json.code], [403, 'Instance.ReleaseNotPrepay']);
    assert.equal(await bccStatus(server, prepaid), 'Running');
  });
});

describe('BCC regions: the Host names the region', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start({ env: { OPENECS_BAIDU_REGION: 'cn-shanghai' } });
  });
  after(() => server.dispose());

  test('bcc.<code>.baidubce.com maps through the table; any other Host is the configured default', async () => {
    const [gz] = (await createInstance(server, {}, { host: 'bcc.gz.baidubce.com' })) as [string];
    assert.match((await instanceOf(server, gz, 'bcc.gz.baidubce.com')).zoneName, /^cn-shenzhen-/);
    const [fallback] = (await createInstance(server)) as [string];
    assert.match((await instanceOf(server, fallback)).zoneName, /^cn-shanghai-/, 'OPENECS_BAIDU_REGION');
    assert.match((await instanceOf(server, fallback, 'bcc.su.baidubce.com:443')).zoneName, /^cn-shanghai-/);

    const elsewhere = await getInstance(server, gz);
    assert.deepEqual(
      [elsewhere.status, elsewhere.json.code],
      [404, 'NoSuchObject'],
      'an instance is found in its own region only',
    );
    const list = async (host?: string) =>
      (
        (await signedRequest(server, { method: 'GET', path: '/v2/instance', ...(host ? { host } : {}) })).json
          .instances as BccInstance[]
      ).map((i) => i.id);
    assert.deepEqual(await list('bcc.gz.baidubce.com'), [gz]);
    assert.deepEqual(await list('BCC.GZ.BAIDUBCE.COM'), [gz]);
    assert.deepEqual(await list(), [fallback]);
    assert.deepEqual(await list('bcc.nowhere.baidubce.com'), [fallback], 'an unmapped code is the default region');
  });

  test('a default region missing from the catalog stops the server from starting', async () => {
    await assert.rejects(TestServer.start({ env: { OPENECS_BAIDU_REGION: 'mars-north-1' } }), /mars-north-1/);
  });
});

async function otherKey(server: TestServer) {
  const created = await openecs([
    'keys',
    'create',
    '--account',
    'someone-else',
    '--json',
    '--data-dir',
    server.dataDir,
  ]);
  const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
  return { id: key.accessKeyId, secret: key.accessKeySecret };
}
