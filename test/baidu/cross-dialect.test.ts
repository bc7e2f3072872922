import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { $Ecs, ecsClient, launchInstances, sdkError, statusOf, waitForStatus } from '../helpers/aliyun.js';
import {
  bccClient,
  bccError,
  type BccInstance,
  createInstance,
  getInstance,
  instanceAction,
  signedRequest,
  waitForBccStatus,
} from '../helpers/bce.js';
import { openecs, TestServer } from '../helpers/server.js';

/** The Baidu default region (a Host that is no BCC endpoint) is cn-beijing: Alibaba calls name it. */
const BEIJING = 'cn-beijing';

describe('one set of instances behind both dialects', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  test('created through the Alibaba SDK, stopped and started through Baidu', async () => {
    const ecs = ecsClient(server);
    const id = (
      await launchInstances(ecs, {
        regionId: BEIJING,
        instanceName: 'from-alibaba',
        description: 'made by RunInstances',
      })
    ).instanceIds[0]!;
    await waitForStatus(ecs, id, 'Running');

    const sdk = bccClient(server);
    const seen = (await sdk.getInstance(id)).body.instance;
    assert.deepEqual(
      [seen.name, seen.desc, seen.status, seen.spec],
      ['from-alibaba', 'made by RunInstances', 'Running', 'ecs.g7.large'],
    );
    assert.ok((await sdk.listInstances()).body.instances.some((i) => i.id === id));

    await sdk.stopInstance(id);
    assert.equal(await statusOf(ecs, id), 'Stopping', 'Alibaba sees the stop Baidu asked for');
    await waitForStatus(ecs, id, 'Stopped');
    assert.equal((await instanceAction(server, id, 'start')).status, 200);
    await waitForStatus(ecs, id, 'Running');

    // A rename through Baidu is Alibaba's InstanceName.
    assert.equal((await instanceAction(server, id, 'modifyAttribute', { name: 'renamed-by-baidu' })).status, 200);
    const attribute = await ecs.describeInstanceAttribute(
      new $Ecs.DescribeInstanceAttributeRequest({ instanceId: id }),
    );
    assert.equal(attribute.body!.instanceName, 'renamed-by-baidu');
  });

  test('created through Baidu, described and operated through Alibaba', async () => {
    const [id] = (await createInstance(server, {
      name: 'from-baidu',
      hostname: 'bcc-host',
      adminPass: 'Cross(Dialect)1',
    })) as [string];
    await waitForBccStatus(server, id, 'Running');
    const baidu = (await getInstance(server, id)).json.instance as BccInstance;

    const ecs = ecsClient(server, { v1: true });
    const described = await ecs.describeInstances(
      new $Ecs.DescribeInstancesRequest({ regionId: BEIJING, instanceIds: JSON.stringify([id]) }),
    );
    const instance = described.body!.instances!.instance![0]!;
    assert.equal(instance.instanceId, id);
    assert.equal(instance.instanceName, 'from-baidu');
    assert.equal(instance.hostName, 'bcc-host');
    assert.equal(instance.status, 'Running');
    assert.equal(instance.zoneId, baidu.zoneName);
    assert.equal(instance.vpcAttributes!.privateIpAddress!.ipAddress![0], baidu.internalIp);

    await ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
    await waitForBccStatus(server, id, 'Stopped');
    const refused = await instanceAction(server, id, 'stop');
    assert.deepEqual([refused.status, refused.json.code], [409, 'Instance.StopInstanceOperationForbidden']);
    assert.equal((await signedRequest(server, { method: 'DELETE', path: `/v2/instance/${id}` })).status, 200);
    const gone = await sdkError(
      ecs.describeInstanceAttribute(new $Ecs.DescribeInstanceAttributeRequest({ instanceId: id })),
    );
    assert.equal(gone.code, 'InvalidInstanceId.NotFound');
  });

  test('an Alibaba cn-hangzhou instance is at bcc.hz.baidubce.com, not at the default endpoint', async () => {
    const ecs = ecsClient(server);
    const id = (await launchInstances(ecs, { regionId: 'cn-hangzhou' })).instanceIds[0]!;
    const there = await getInstance(server, id, { host: 'bcc.hz.baidubce.com' });
    assert.equal(there.status, 200);
    assert.match((there.json.instance as BccInstance).zoneName, /^cn-hangzhou-/);
    assert.equal((await getInstance(server, id)).status, 404);
  });

  test("one account's instances are invisible to another's keys, through either dialect", async () => {
    const [id] = (await createInstance(server)) as [string];
    const created = await openecs(['keys', 'create', '--account', 'tenant-b', '--json', '--data-dir', server.dataDir]);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    const other = { id: key.accessKeyId, secret: key.accessKeySecret };
    const hidden = await bccError(bccClient(server, other).getInstance(id));
    assert.deepEqual([hidden.status, hidden.code], [404, 'NoSuchObject']);
    const stop = await instanceAction(server, id, 'stop', undefined, { key: other });
    assert.equal(stop.status, 404);
    assert.deepEqual((await bccClient(server, other).listInstances()).body.instances, []);
    const alibaba = await sdkError(
      ecsClient(server, { key: other }).describeInstanceAttribute(
        new $Ecs.DescribeInstanceAttributeRequest({ instanceId: id }),
      ),
    );
    assert.equal(alibaba.code, 'InvalidInstanceId.NotFound');
    assert.equal((await getInstance(server, id)).status, 200, 'the owner still sees it');
  });
});
