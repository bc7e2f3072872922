import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { auditOf } from '../console/helpers.js';
import {
  bccClient,
  bccError,
  type BceResponse,
  createInstance,
  instanceAction,
  signedRequest,
  waitForBccStatus,
} from '../helpers/bce.js';
import { openecs, TEST_KEY, TestServer } from '../helpers/server.js';

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

/** Sends raw bytes and returns everything the server answers before it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(request));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('close', () => resolve(received));
    socket.on('error', reject);
  });
}

/** Every BCE answer: x-bce-request-id and JSON; an error is exactly {requestId, code, message}. */
function assertBceError(answer: BceResponse, status: number, code: string, what = ''): void {
  assert.equal(answer.status, status, `${what} ${answer.text}`);
  assert.equal(answer.headers['content-type'], 'application/json;charset=UTF-8');
  assert.deepEqual(Object.keys(answer.json).sort(), ['code', 'message', 'requestId']);
  assert.equal(answer.json.code, code, what);
  assert.equal(answer.json.requestId, answer.headers['x-bce-request-id']);
  assert.match(String(answer.json.requestId), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
}

function assertOk(answer: BceResponse): void {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers['content-type'], 'application/json;charset=UTF-8');
  assert.match(String(answer.headers['x-bce-request-id']), /^[0-9a-f-]{36}$/);
}

describe('bce-auth-v1', () => {
  let server: TestServer;
  let instanceId: string;
  before(async () => {
    server = await TestServer.start();
    [instanceId] = (await createInstance(server)) as [string];
    await waitForBccStatus(server, instanceId, 'Running');
  });
  after(() => server.dispose());

  test('the official Node SDK signs (content-length;content-type;host;x-bce-date) and is accepted on /v1', async () => {
    const sdk = bccClient(server);
    const list = await sdk.listInstances();
    assert.ok(list.body.instances.some((i) => i.id === instanceId));
    assert.match(list.http_headers['x-bce-request-id']!, /^[0-9a-f-]{36}$/);
    assert.equal(list.http_headers['content-type'], 'application/json;charset=UTF-8');
    // createInstance first asks /v1/token/create, then sends the token %2d-encoded (its query encoder
    // escapes even '-'), which must be decoded before it is signed.
    const created = await sdk.createInstance({
      imageId: 'ubuntu_22_04_x64_20G_alibase_20240926.vhd',
      spec: 'ecs.g7.large',
    });
    assert.equal(created.body.instanceIds.length, 1);
  });

  test('the spec client: explicit signed headers, the empty (default) form, with and without Content-Type', async () => {
    const get = { method: 'GET', path: `/v2/instance/${instanceId}` } as const;
    assertOk(await signedRequest(server, get));
    assertOk(await signedRequest(server, { ...get, signedHeaders: '' }));
    assertOk(await signedRequest(server, { ...get, signedHeaders: '', contentType: null }));
    assertOk(await signedRequest(server, { ...get, signedHeaders: ['host'] }));
    // Python's form: a JSON body with no Content-Type, default signed headers (content-length among them).
    assertOk(
      await instanceAction(
        server,
        instanceId,
        'modifyDesc',
        { desc: 'no content type' },
        { contentType: null, signedHeaders: '' },
      ),
    );
    // Go's form: an unsigned x-bce-request-id beside explicit signed headers.
    assertOk(
      await signedRequest(server, {
        ...get,
        signedHeaders: ['content-length', 'content-md5', 'content-type', 'host', 'x-bce-date'],
        extraHeaders: { 'x-bce-request-id': '0f8b7c0e-57aa-4bd8-9a3c-1b6a4c3d2e1f' },
      }),
    );
  });

  test('header values and query values are percent-encoded before signing; wire encodings do not matter', async () => {
    const note = 'a b/c:d=e,f~(g)*!';
    // Explicitly signed, and again through the default set (every x-bce-* header is in it).
    assertOk(
      await signedRequest(server, {
        method: 'GET',
        path: '/v2/instance',
        extraHeaders: { 'x-bce-meta-note': note },
        signedHeaders: ['host', 'x-bce-meta-note'],
      }),
    );
    assertOk(
      await signedRequest(server, {
        method: 'GET',
        path: '/v2/instance',
        extraHeaders: { 'x-bce-meta-note': note },
        signedHeaders: '',
      }),
    );
    // Signed over the RFC 3986 form, sent with lower-case escapes of unreserved characters, as the JS SDK does.
    const listed = await signedRequest(server, {
      method: 'GET',
      path: '/v2/instance',
      query: [
        ['instanceIds', instanceId],
        ['maxKeys', '10'],
      ],
      wireQuery: `instanceIds=${instanceId.replace(/-/g, '%2d')}&maxKeys=%31%30`,
    });
    assertOk(listed);
    assert.deepEqual(
      (listed.json.instances as { id: string }[]).map((i) => i.id),
      [instanceId],
    );
  });

  test('canonical request edges: a path segment to encode, an authorization query parameter, Content-MD5 by default', async () => {
    // The path is signed segment by segment in RFC 3986 form (':' as %3A), sent as it is.
    const odd = await signedRequest(server, { method: 'GET', path: '/v2/instance/i-no:such' });
    assertBceError(odd, 404, 'NoSuchObject', 'authenticated, then not found');
    // A query parameter named authorization is never signed.
    assertOk(await signedRequest(server, { method: 'GET', path: '/v2/instance', wireQuery: 'authorization=ignored' }));
    // The default signed set (the empty form) includes Content-MD5.
    assertOk(
      await signedRequest(server, {
        method: 'GET',
        path: '/v2/instance',
        signedHeaders: '',
        extraHeaders: { 'content-md5': '1B2M2Y8AsgTpgAmY7PhCfg==' },
      }),
    );
  });

  test('action flags with and without =', async () => {
    assertOk(await instanceAction(server, instanceId, 'modifyAttribute', { name: 'bare-flag' }));
    assertOk(
      await signedRequest(server, {
        method: 'PUT',
        path: `/v2/instance/${instanceId}`,
        query: [['modifyAttribute', '']],
        body: { name: 'with-equals' },
      }),
    );
    const shown = await signedRequest(server, { method: 'GET', path: `/v2/instance/${instanceId}` });
    assert.equal((shown.json.instance as { name: string }).name, 'with-equals');
  });

  test('an expired auth string (timestamp + expiration in the past) is refused: 400 RequestExpired', async () => {
    const get = { method: 'GET', path: '/v2/instance' } as const;
    const expired = await signedRequest(server, { ...get, timestamp: minutes(-60), expirationSeconds: 1800 });
    assertBceError(expired, 400, 'RequestExpired');
    assert.match(String(expired.json.message), /Timestamp date is \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    // The same age with an expiration that covers it is still good.
    assertOk(await signedRequest(server, { ...get, timestamp: minutes(-60), expirationSeconds: 7200 }));
  });

  test('a timestamp too far in the future: 403 RequestTimeTooSkewed, with the Date the JS SDK resyncs from', async () => {
    const skewed = await signedRequest(server, { method: 'GET', path: '/v2/instance', timestamp: minutes(60) });
    assertBceError(skewed, 403, 'RequestTimeTooSkewed');
    assert.ok(skewed.headers.date, 'a Date header');
    assertOk(await signedRequest(server, { method: 'GET', path: '/v2/instance', timestamp: minutes(5) }));
  });

  test('unknown and disabled keys: 403 InvalidAccessKeyId, 403 AccessDenied', async () => {
    const unknown = await signedRequest(server, {
      method: 'GET',
      path: '/v2/instance',
      key: { id: 'nosuchkey', secret: TEST_KEY.secret },
    });
    assertBceError(unknown, 403, 'InvalidAccessKeyId');
    const sdkUnknown = await bccError(bccClient(server, { id: 'nosuchkey', secret: 'x'.repeat(32) }).listInstances());
    assert.equal(sdkUnknown.status, 403);
    assert.equal(sdkUnknown.code, 'InvalidAccessKeyId');

    const created = await openecs([
      'keys',
      'create',
      '--account',
      'to-disable',
      '--json',
      '--data-dir',
      server.dataDir,
    ]);
    const key = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
    const spare = { id: key.accessKeyId, secret: key.accessKeySecret };
    assertOk(await signedRequest(server, { method: 'GET', path: '/v2/instance', key: spare }));
    assert.equal((await openecs(['keys', 'disable', spare.id, '--data-dir', server.dataDir])).code, 0);
    assertBceError(
      await signedRequest(server, { method: 'GET', path: '/v2/instance', key: spare }),
      403,
      'AccessDenied',
    );
  });

  test('bad signatures: 400 SignatureDoesNotMatch, showing the canonical request but no secret', async () => {
    const flipped = await signedRequest(server, {
      method: 'GET',
      path: '/v2/instance',
      mutateAuthorization: (a) => a.slice(0, -1) + (a.endsWith('0') ? '1' : '0'),
    });
    assertBceError(flipped, 400, 'SignatureDoesNotMatch');
    assert.match(
      String(flipped.json.message),
      /GET\\n\/v2\/instance\\n\\ncontent-type:application%2Fjson\\nhost:127\.0\.0\.1%3A\d+\\nx-bce-date:/,
    );
    assert.ok(!flipped.text.includes(TEST_KEY.secret));

    const wrongSecret = await signedRequest(server, {
      method: 'GET',
      path: '/v2/instance',
      key: { id: TEST_KEY.id, secret: 'not-the-secret' },
    });
    assertBceError(wrongSecret, 400, 'SignatureDoesNotMatch');
    const tamperedQuery = await signedRequest(server, {
      method: 'GET',
      path: '/v2/instance',
      query: [['maxKeys', '1']],
      wireQuery: 'maxKeys=2',
    });
    assertBceError(tamperedQuery, 400, 'SignatureDoesNotMatch');
    // Content-Length is signed: a body of another length than the signed one does not pass.
    const otherBody = await signedRequest(server, {
      method: 'PUT',
      path: `/v2/instance/${instanceId}`,
      query: [['modifyDesc', null]],
      body: { desc: 'signed' },
      wireBody: JSON.stringify({ desc: 'swapped in after signing' }),
    });
    assertBceError(otherBody, 400, 'SignatureDoesNotMatch');
  });

  test('malformed or missing Authorization: 400 InvalidHTTPAuthHeader', async () => {
    const cases: [string, (a: string) => string][] = [
      ['another version', (a) => a.replace('bce-auth-v1', 'bce-auth-v2')],
      ['a missing part', (a) => a.split('/').slice(0, 5).join('/')],
      ['a bad timestamp', (a) => a.replace(/\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\//, '/2026-11-23 06:00:00/')],
      ['a zero expiration', (a) => a.replace(/Z\/1800\//, 'Z/0/')],
      ['a short signature', (a) => a.slice(0, -2)],
      [
        'host not signed',
        (a) =>
          a.replace(
            /\/([a-z;-]+)\/([0-9a-f]{64})$/,
            (_m, list: string, sig: string) =>
              `/${list
                .split(';')
                .filter((n) => n !== 'host')
                .join(';')}/${sig}`,
          ),
      ],
    ];
    for (const [what, mutate] of cases) {
      assertBceError(
        await signedRequest(server, { method: 'GET', path: '/v2/instance', mutateAuthorization: mutate }),
        400,
        'InvalidHTTPAuthHeader',
        what,
      );
    }
    const response = await fetch(`${server.url}/v2/instance`);
    assert.equal(response.status, 400);
    assert.match(response.headers.get('x-bce-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(((await response.json()) as { code: string }).code, 'InvalidHTTPAuthHeader');
  });

  test('unknown endpoints and actions: 400 InvalidURI once authenticated', async () => {
    assertBceError(await signedRequest(server, { method: 'GET', path: '/v2/nothing' }), 400, 'InvalidURI');
    assertBceError(
      await signedRequest(server, { method: 'PUT', path: `/v2/instance/${instanceId}` }),
      400,
      'InvalidURI',
    );
    assertBceError(await instanceAction(server, instanceId, 'explode'), 400, 'InvalidURI');
    assertBceError(
      await signedRequest(server, {
        method: 'PUT',
        path: `/v2/instance/${instanceId}`,
        query: [
          ['start', null],
          ['stop', null],
        ],
      }),
      400,
      'InvalidURI',
    );
    // Unsigned, the same request learns only that it is unsigned.
    const unsigned = await fetch(`${server.url}/v2/nothing`);
    assert.equal(((await unsigned.json()) as { code: string }).code, 'InvalidHTTPAuthHeader');
  });

  test('requests too large to read, or not HTTP at all, are refused in the BCE envelope with 400 too', async () => {
    const body = await fetch(`${server.url}/v2/instance/${instanceId}?modifyDesc`, {
      method: 'PUT',
      body: 'x'.repeat(300 * 1024),
    });
    assert.equal(body.status, 400);
    assert.match(body.headers.get('x-bce-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(((await body.json()) as { code: string }).code, 'InvalidHTTPRequest');
    const url = await fetch(`${server.url}/v2/instance?marker=${'m'.repeat(100 * 1024)}`);
    assert.equal(url.status, 400);
    assert.equal(((await url.json()) as { code: string }).code, 'InvalidURI');
    // Node's parser refuses this head before any route sees it; its path still names the dialect.
    const unparsable = await rawExchange(
      server.port,
      `PUT /v2/instance/${instanceId}?changePass HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n`,
    );
    assert.match(unparsable, /^HTTP\/1\.1 400 /);
    assert.match(unparsable, /\r\nx-bce-request-id: [0-9a-f-]{36}\r\n/i);
    const envelope = JSON.parse(unparsable.slice(unparsable.indexOf('\r\n\r\n') + 4)) as Record<string, string>;
    assert.deepEqual(Object.keys(envelope).sort(), ['code', 'message', 'requestId']);
    assert.equal(envelope.code, 'InvalidHTTPRequest');
  });

  test('SDK errors carry code, status and requestId from the BCE envelope', async () => {
    const missing = await bccError(bccClient(server).getInstance('i-doesnotexist'));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'NoSuchObject');
    assert.match(missing.requestId, /^[0-9a-f-]{36}$/);
  });

  test('refused mutating calls are audited, signed or not, with no secret', async () => {
    await signedRequest(server, {
      method: 'PUT',
      path: `/v2/instance/${instanceId}`,
      query: [['stop', null]],
      key: { id: TEST_KEY.id, secret: 'wrong' },
    });
    await fetch(`${server.url}/v2/instance/${instanceId}?reboot`, { method: 'PUT' });
    const records = await auditOf(server, instanceId);
    const stop = records.find((r) => r.action === 'StopInstance' && r.outcome === 'SignatureDoesNotMatch');
    assert.ok(stop, 'the badly signed stop is recorded');
    assert.equal(stop.accountId, null);
    assert.equal(stop.dialect, 'baidu');
    assert.ok(records.some((r) => r.action === 'RebootInstance' && r.outcome === 'InvalidHTTPAuthHeader'));
    assert.ok(
      records.some((r) => r.action === 'ModifyInstanceAttribute' && r.outcome === 'Success' && r.detail === 'name'),
    );
    assert.ok(!JSON.stringify(records).includes(TEST_KEY.secret));
  });
});
