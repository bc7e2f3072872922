import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import {
  $Ecs,
  ecsClient,
  type Envelope,
  type Key,
  LINUX_IMAGE,
  REGION,
  runningInstance,
  sdkError,
  signedV1,
  signV1Params,
  v1StringToSign,
} from '../helpers/aliyun.js';
import { enc } from '../helpers/http.js';
import { openecs, TEST_KEY, TestServer } from '../helpers/server.js';

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const MINUTE = 60_000;

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const timestamp = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** One raw HTTP request, headers exactly as given (node:http adds only content-length when a body is set). */
function send(
  server: TestServer,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

interface V3Request {
  action: string;
  params?: Record<string, string>;
  key?: Key;
  version?: string;
  date?: string;
  nonce?: string;
  /** Extra headers sent and signed. */
  headers?: Record<string, string>;
  /** Header names sent but left out of SignedHeaders. */
  unsigned?: string[];
  /** A form body, signed through its SHA-256 (the payload hash). Default: none. */
  body?: string;
}

/**
 * An ACS3-HMAC-SHA256 request built by hand from protocols.md 1.3, as the V3 SDK sends it:
 * POST /?<params>, empty body, every x-acs-* header and host signed.
 */
function signV3(
  server: TestServer,
  r: V3Request,
): { path: string; headers: Record<string, string>; stringToSign: string } {
  const key = r.key ?? TEST_KEY;
  const hashedPayload = sha256(r.body ?? '');
  const headers: Record<string, string> = {
    host: server.endpoint,
    'x-acs-action': r.action,
    'x-acs-version': r.version ?? '2014-05-26',
    'x-acs-date': r.date ?? timestamp(),
    'x-acs-signature-nonce': r.nonce ?? randomBytes(32).toString('hex'),
    'x-acs-content-sha256': hashedPayload,
    ...r.headers,
  };
  const signed = Object.keys(headers)
    .filter((name) => !(r.unsigned ?? []).includes(name))
    .sort();
  const query = Object.entries(r.params ?? {})
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join('&');
  const canonicalHeaders = signed.map((name) => `${name}:${headers[name]!.trim()}\n`).join('');
  const canonicalRequest = ['POST', '/', query, canonicalHeaders, signed.join(';'), hashedPayload].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`;
  const signature = createHmac('sha256', key.secret).update(stringToSign).digest('hex');
  headers.authorization = `ACS3-HMAC-SHA256 Credential=${key.id},SignedHeaders=${signed.join(';')},Signature=${signature}`;
  return { path: `/?${query}`, headers, stringToSign };
}

function sendV3(server: TestServer, r: V3Request): Promise<Answer> {
  const { path, headers } = signV3(server, r);
  return send(server, { method: 'POST', path, headers: { ...headers, 'content-length': '0' } });
}

/** Asserts Alibaba's JSON error envelope with the given code and status, and returns it. */
function rejected(answer: { status: number; body: string }, code: string, status: number): Envelope {
  let body: Envelope;
  try {
    body = JSON.parse(answer.body) as Envelope;
  } catch {
    assert.fail(`not JSON (HTTP ${answer.status}): ${answer.body.slice(0, 300)}`);
  }
  assert.equal(body.Code, code, answer.body);
  assert.equal(answer.status, status, answer.body);
  assert.deepEqual(Object.keys(body).sort(), ['Code', 'HostId', 'Message', 'Recommend', 'RequestId']);
  assert.match(body.RequestId, REQUEST_ID);
  assert.ok(body.HostId.length > 0);
  assert.ok(body.Message.length > 0);
  assert.equal(
    body.Recommend,
    `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Ecs&requestId=${body.RequestId}`,
  );
  return body;
}

function succeeded(answer: { status: number; body: string }): Record<string, unknown> {
  assert.equal(answer.status, 200, answer.body);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  assert.match(String(body.RequestId), REQUEST_ID);
  assert.equal('Code' in body, false, 'a success body never has a Code');
  return body;
}

describe('Alibaba gateway: every rejection is documented, enveloped and changes nothing', () => {
  let server: TestServer;
  let securityGroupId: string;
  let baseline: string;
  /** Mutating calls that succeed when signed properly (the last test proves it). */
  let runInstances: Record<string, string>;
  const createSecurityGroup = { Action: 'CreateSecurityGroup', RegionId: REGION };

  /** The test key's instances and security groups in full, minus the per-request id. */
  async function snapshot(): Promise<string> {
    const strip = (answer: { status: number; body: string }) => {
      const { RequestId: _id, ...rest } = succeeded(answer);
      return rest;
    };
    const instances = strip(await signedV1(server, { Action: 'DescribeInstances', RegionId: REGION, PageSize: '100' }));
    const groups = strip(
      await signedV1(server, { Action: 'DescribeSecurityGroups', RegionId: REGION, PageSize: '50' }),
    );
    return JSON.stringify({ instances, groups });
  }

  async function unchanged(): Promise<void> {
    assert.equal(await snapshot(), baseline, 'a rejected request must change nothing');
  }

  before(async () => {
    server = await TestServer.start();
    ({ securityGroupId } = await runningInstance(ecsClient(server), { instanceName: 'baseline' }));
    runInstances = {
      Action: 'RunInstances',
      RegionId: REGION,
      ImageId: LINUX_IMAGE,
      InstanceType: 'ecs.g7.large',
      SecurityGroupId: securityGroupId,
    };
    baseline = await snapshot();
    assert.match(baseline, /"TotalCount":1/);
  });
  after(() => server.dispose());

  describe('who is calling', () => {
    test('an unknown AccessKeyId: InvalidAccessKeyId.NotFound 404', async () => {
      const key = { id: 'LTAI5tNoSuchKey000000000', secret: TEST_KEY.secret };
      rejected(await signedV1(server, runInstances, { key }), 'InvalidAccessKeyId.NotFound', 404);
      rejected(
        await sendV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION }, key }),
        'InvalidAccessKeyId.NotFound',
        404,
      );
      await unchanged();
    });

    test('a disabled key: InvalidAccessKeyId.Inactive 400, and its account is untouched', async () => {
      const created = await openecs(['keys', 'create', '--account', 'x', '--json', '--data-dir', server.dataDir]);
      assert.equal(created.code, 0, created.stderr);
      const issued = JSON.parse(created.stdout) as { accessKeyId: string; accessKeySecret: string };
      const key = { id: issued.accessKeyId, secret: issued.accessKeySecret };
      const groupsOfX = async () =>
        succeeded(await signedV1(server, { Action: 'DescribeSecurityGroups', RegionId: REGION }, { key })).TotalCount;
      assert.equal(await groupsOfX(), 0, 'the new key works while active');

      const disabled = await openecs(['keys', 'disable', key.id, '--data-dir', server.dataDir]);
      assert.equal(disabled.code, 0, disabled.stderr);
      rejected(await signedV1(server, createSecurityGroup, { key }), 'InvalidAccessKeyId.Inactive', 400);
      rejected(
        await sendV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION }, key }),
        'InvalidAccessKeyId.Inactive',
        400,
      );

      const enabled = await openecs(['keys', 'enable', key.id, '--data-dir', server.dataDir]);
      assert.equal(enabled.code, 0, enabled.stderr);
      assert.equal(await groupsOfX(), 0, 'nothing was created while the key was disabled');
      await unchanged();
    });
  });

  describe('signatures', () => {
    test('V1 with a wrong secret: SignatureDoesNotMatch 400, the Message carries the string the client signed', async () => {
      for (const method of ['GET', 'POST'] as const) {
        let signed: Record<string, string> = {};
        const answer = await signedV1(server, runInstances, {
          method,
          key: { id: TEST_KEY.id, secret: 'wrong' },
          mutate: (all) => (signed = { ...all }),
        });
        const { Message } = rejected(answer, 'SignatureDoesNotMatch', 400);
        const clientString = v1StringToSign(method, signed);
        assert.ok(clientString.startsWith(`${method}&%2F&`));
        assert.equal(Message.split('server string to sign is:')[1], clientString);
      }
      await unchanged();
    });

    test('V1 with a parameter changed after signing: SignatureDoesNotMatch, and the server shows what it saw', async () => {
      let signed: Record<string, string> = {};
      const answer = await signedV1(server, createSecurityGroup, {
        mutate: (all) => {
          all.RegionId = 'cn-shanghai';
          signed = { ...all };
        },
      });
      const { Message } = rejected(answer, 'SignatureDoesNotMatch', 400);
      assert.equal(Message.split('server string to sign is:')[1], v1StringToSign('GET', signed));
      assert.ok(Message.includes(enc('RegionId=cn-shanghai&')), Message);
      await unchanged();
    });

    test('V3 with a wrong secret: SignatureDoesNotMatch 400, with the same string to sign', async () => {
      const r = {
        action: 'CreateSecurityGroup',
        params: { RegionId: REGION },
        key: { id: TEST_KEY.id, secret: 'wrong' },
      };
      const { path, headers, stringToSign } = signV3(server, r);
      const answer = await send(server, { method: 'POST', path, headers: { ...headers, 'content-length': '0' } });
      const { Message } = rejected(answer, 'SignatureDoesNotMatch', 400);
      assert.equal(Message.split('server string to sign is:')[1], stringToSign);
      await unchanged();
    });

    test('V3 with a query parameter added after signing: SignatureDoesNotMatch', async () => {
      const { path, headers } = signV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION } });
      const answer = await send(server, {
        method: 'POST',
        path: `${path}&SecurityGroupName=injected`,
        headers: { ...headers, 'content-length': '0' },
      });
      rejected(answer, 'SignatureDoesNotMatch', 400);
      await unchanged();
    });

    test('V3 signs the body through its hash: a form body is read, a body changed after signing is SignatureDoesNotMatch', async () => {
      const body = `RegionId=${REGION}&InstanceName=baseline`;
      const sent = (sentBody: string) => {
        const { path, headers } = signV3(server, { action: 'DescribeInstances', body });
        return send(server, {
          method: 'POST',
          path,
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: sentBody,
        });
      };
      const accepted = await sent(body);
      assert.equal(accepted.status, 200, accepted.body);
      assert.equal((JSON.parse(accepted.body) as { TotalCount: number }).TotalCount, 1, 'filtered by the body');
      rejected(await sent(`RegionId=${REGION}&InstanceName=someone-else`), 'SignatureDoesNotMatch', 400);
      await unchanged();
    });

    test('V3 with an x-acs-* header sent but not signed: IncompleteSignature 400', async () => {
      for (const unsigned of ['x-acs-action', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-extra']) {
        const answer = await sendV3(server, {
          action: 'CreateSecurityGroup',
          params: { RegionId: REGION },
          headers: { 'x-acs-extra': 'smuggled' },
          unsigned: [unsigned],
        });
        const { Message } = rejected(answer, 'IncompleteSignature', 400);
        assert.ok(Message.includes(unsigned), Message);
      }
      await unchanged();
    });

    test('a garbled V3 Authorization header: IncompleteSignature 400', async () => {
      const { path, headers } = signV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION } });
      headers.authorization = 'ACS3-HMAC-SHA256 Credential=,Signature=zz';
      rejected(await send(server, { method: 'POST', path, headers }), 'IncompleteSignature', 400);
      await unchanged();
    });
  });

  describe('time and replay', () => {
    test('V1 Timestamp more than 15 minutes off, either way: InvalidTimeStamp.Expired 400; inside the window is fine', async () => {
      for (const offset of [-16 * MINUTE, 16 * MINUTE, -24 * 60 * MINUTE]) {
        rejected(
          await signedV1(server, { ...runInstances, Timestamp: timestamp(offset) }),
          'InvalidTimeStamp.Expired',
          400,
        );
      }
      for (const offset of [-14 * MINUTE, 14 * MINUTE]) {
        succeeded(await signedV1(server, { Action: 'DescribeRegions', Timestamp: timestamp(offset) }));
      }
      await unchanged();
    });

    test('V1 Timestamp malformed: InvalidTimeStamp.Format 400', async () => {
      const now = new Date();
      for (const value of [
        now.toUTCString(),
        String(Math.floor(now.getTime() / 1000)),
        timestamp().replace('T', ' '),
        timestamp().replace('Z', '+08:00'),
        '2024-13-45T99:99:99Z',
      ]) {
        rejected(await signedV1(server, { ...createSecurityGroup, Timestamp: value }), 'InvalidTimeStamp.Format', 400);
      }
      await unchanged();
    });

    test('V3 x-acs-date stale or ahead: InvalidTimeStamp.Expired; malformed: InvalidTimeStamp.Format', async () => {
      const params = { RegionId: REGION };
      for (const offset of [-20 * MINUTE, 20 * MINUTE]) {
        const answer = await sendV3(server, { action: 'CreateSecurityGroup', params, date: timestamp(offset) });
        rejected(answer, 'InvalidTimeStamp.Expired', 400);
      }
      const answer = await sendV3(server, { action: 'CreateSecurityGroup', params, date: new Date().toUTCString() });
      rejected(answer, 'InvalidTimeStamp.Format', 400);
      await unchanged();
    });

    test('V1 without a SignatureNonce: MissingParameter naming it', async () => {
      const answer = await signedV1(server, { ...createSecurityGroup, SignatureNonce: '\0omit' });
      assert.match(rejected(answer, 'MissingParameter', 400).Message, /SignatureNonce/);
      await unchanged();
    });

    test('V1 SignatureNonce reused within 15 minutes: SignatureNonceUsed 400', async () => {
      const nonce = `nonce-${randomBytes(8).toString('hex')}`;
      succeeded(await signedV1(server, { Action: 'DescribeRegions', SignatureNonce: nonce }));
      const replay = await signedV1(server, { ...createSecurityGroup, SignatureNonce: nonce });
      rejected(replay, 'SignatureNonceUsed', 400);
      await unchanged();
    });

    test('V3 x-acs-signature-nonce reused: SignatureNonceUsed 400', async () => {
      const nonce = randomBytes(32).toString('hex');
      succeeded(await sendV3(server, { action: 'DescribeRegions', nonce }));
      const replay = await sendV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION }, nonce });
      rejected(replay, 'SignatureNonceUsed', 400);
      await unchanged();
    });

    test('a rejected signature does not use up its nonce', async () => {
      const nonce = `nonce-${randomBytes(8).toString('hex')}`;
      const wrong = { id: TEST_KEY.id, secret: 'wrong' };
      rejected(
        await signedV1(server, { Action: 'DescribeRegions', SignatureNonce: nonce }, { key: wrong }),
        'SignatureDoesNotMatch',
        400,
      );
      succeeded(await signedV1(server, { Action: 'DescribeRegions', SignatureNonce: nonce }));
    });
  });

  describe('what is asked', () => {
    test('no Action: MissingParameter naming Action', async () => {
      const { Message } = rejected(
        await signedV1(server, { Action: '\0omit', RegionId: REGION }),
        'MissingParameter',
        400,
      );
      assert.match(Message, /"Action"/);
      await unchanged();
    });

    test('an unknown Action: InvalidAction.NotFound 404 (V1 and V3)', async () => {
      rejected(
        await signedV1(server, { Action: 'CreateSecurityGroups', RegionId: REGION }),
        'InvalidAction.NotFound',
        404,
      );
      rejected(
        await sendV3(server, { action: 'DeleteEverything', params: { RegionId: REGION } }),
        'InvalidAction.NotFound',
        404,
      );
      await unchanged();
    });

    test('a wrong Version: InvalidVersion 400 (V1 and V3)', async () => {
      for (const Version of ['2016-03-14', '2014-05-27', 'latest']) {
        rejected(await signedV1(server, { ...runInstances, Version }), 'InvalidVersion', 400);
      }
      rejected(
        await sendV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION }, version: '2016-03-14' }),
        'InvalidVersion',
        400,
      );
      await unchanged();
    });

    test('a missing required parameter: MissingParameter naming it', async () => {
      const describe = await signedV1(server, { Action: 'DescribeInstances' });
      assert.match(rejected(describe, 'MissingParameter', 400).Message, /"RegionId"/);
      const { RegionId: _region, ...create } = createSecurityGroup;
      assert.match(rejected(await signedV1(server, create), 'MissingParameter', 400).Message, /"RegionId"/);
      const { ImageId: _image, ...run } = runInstances;
      assert.match(rejected(await signedV1(server, run), 'MissingParameter', 400).Message, /"ImageId"/);
      const v3 = await sendV3(server, { action: 'DescribeInstances' });
      assert.match(rejected(v3, 'MissingParameter', 400).Message, /"RegionId"/);
      await unchanged();
    });

    test('a malformed parameter: InvalidParameter naming it', async () => {
      const describe = { Action: 'DescribeInstances', RegionId: REGION };
      const cases: [Record<string, string>, string][] = [
        [{ PageSize: 'abc' }, 'PageSize'],
        [{ PageSize: '1000' }, 'PageSize'],
        [{ PageSize: '0' }, 'PageSize'],
        [{ PageNumber: '1.5' }, 'PageNumber'],
        [{ InstanceIds: 'i-1,i-2' }, 'InstanceIds'],
        [{ InstanceIds: '{"a":1}' }, 'InstanceIds'],
        [{ InstanceIds: '[1,2]' }, 'InstanceIds'],
        [{ 'Tag.99999.Key': 'env' }, 'Tag.N'],
      ];
      for (const [params, name] of cases) {
        const { Message } = rejected(await signedV1(server, { ...describe, ...params }), 'InvalidParameter', 400);
        assert.ok(Message.includes(`"${name}"`), `${JSON.stringify(params)}: ${Message}`);
      }
      const amount = await signedV1(server, { ...runInstances, Amount: 'many' });
      assert.match(rejected(amount, 'InvalidParameter', 400).Message, /"Amount"/);
      await unchanged();
    });

    test('Format=YAML: InvalidParameter.Format 400, in JSON', async () => {
      const answer = await signedV1(server, { ...createSecurityGroup, Format: 'YAML' });
      rejected(answer, 'InvalidParameter.Format', 400);
      assert.equal(answer.headers.get('content-type'), 'application/json;charset=utf-8');
      await unchanged();
    });
  });

  describe('how it is sent', () => {
    test('PUT, DELETE and PATCH: UnsupportedHTTPMethod 403', async () => {
      for (const method of ['PUT', 'DELETE', 'PATCH']) {
        // Signed properly for its method: only the method is wrong.
        const signed: Record<string, string> = {
          ...createSecurityGroup,
          Version: '2014-05-26',
          AccessKeyId: TEST_KEY.id,
          SignatureMethod: 'HMAC-SHA1',
          SignatureVersion: '1.0',
          SignatureNonce: randomBytes(16).toString('hex'),
          Timestamp: timestamp(),
        };
        signed.Signature = createHmac('sha1', `${TEST_KEY.secret}&`)
          .update(v1StringToSign(method, signed))
          .digest('base64');
        const query = new URLSearchParams(signed).toString();
        rejected(await send(server, { method, path: `/?${query}` }), 'UnsupportedHTTPMethod', 403);
      }
      await unchanged();
    });

    test('a body declared larger than 256 KB is refused before it is sent', async () => {
      const answer = await new Promise<Answer>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': String(50 * 1024 * 1024),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => {
              req.destroy();
              resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers });
            });
          },
        );
        req.on('error', reject);
        // Only the first bytes of the declared 50 MB ever leave: the answer must come anyway.
        req.write('Action=CreateSecurityGroup&RegionId=cn-hangzhou&');
      });
      const { Message } = rejected(answer, 'InvalidParameter', 413);
      assert.match(Message, /body exceeds 262144 bytes/);
      assert.equal(answer.headers.connection, 'close');
      await unchanged();
    });

    test('a form body is read however it is framed: chunked, or with a Content-Length', async () => {
      // A request with no framing headers has no body; one that has either must be read whole,
      // since its parameters (Action among them) may be all in it.
      const form = () =>
        Object.entries(signV1Params({ Action: 'DescribeRegions' }, TEST_KEY, 'POST'))
          .map(([k, v]) => `${enc(k)}=${enc(v)}`)
          .join('&');
      const contentType = 'application/x-www-form-urlencoded';
      for (const framing of [{ 'transfer-encoding': 'chunked' }, {}] as Record<string, string>[]) {
        const answer = await send(server, {
          method: 'POST',
          headers: { 'content-type': contentType, ...framing },
          body: form(),
        });
        const regions = succeeded(answer).Regions as { Region: unknown[] };
        assert.ok(regions.Region.length > 0, answer.body);
      }
    });

    test('a chunked body that grows past 256 KB gets an answer, not a reset connection', async () => {
      const answer = await send(server, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
        body: 'a'.repeat(300 * 1024),
      });
      rejected(answer, 'InvalidParameter', 413);
      await unchanged();
    });

    test('a URL past 96 KB gets an Alibaba error envelope, and a head past 256 KB a clean refusal', async () => {
      const longUrl = await send(server, { path: `/?Action=DescribeRegions&Pad=${'a'.repeat(120 * 1024)}` });
      assert.match(rejected(longUrl, 'InvalidParameter', 414).Message, /URL exceeds 98304 bytes/);
      const hugeHead = await send(server, {
        path: '/?Action=DescribeRegions',
        headers: { 'x-pad': 'a'.repeat(300 * 1024) },
      });
      assert.match(rejected(hugeHead, 'InvalidParameter', 431).Message, /too large/);
    });

    test('more than 500 parameters are refused, in the query or in a form body', async () => {
      const many = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`P${i}`, 'x']));
      const inQuery = await signedV1(server, { ...createSecurityGroup, ...many });
      assert.match(rejected(inQuery, 'InvalidParameter', 400).Message, /more than 500 parameters/);
      const inBody = await signedV1(server, { ...createSecurityGroup, ...many }, { method: 'POST' });
      assert.match(rejected(inBody, 'InvalidParameter', 400).Message, /more than 500 parameters/);
      await unchanged();
    });
  });

  describe('XML', () => {
    const parser = new XMLParser({ isArray: (name) => name === 'Region' });

    test('Format=XML success: text/xml;charset=utf-8, <DescribeRegionsResponse>, repeated <Region>', async () => {
      const answer = await signedV1(server, { Action: 'DescribeRegions', Format: 'XML' });
      assert.equal(answer.status, 200, answer.body);
      assert.equal(answer.headers.get('content-type'), 'text/xml;charset=utf-8');
      assert.match(answer.body, /^<\?xml version="1.0" encoding="UTF-8"\?><DescribeRegionsResponse>/);
      assert.doesNotMatch(answer.body, /<Code>/);
      const doc = parser.parse(answer.body) as {
        DescribeRegionsResponse: { RequestId: string; Regions: { Region: { RegionId: string; Status: string }[] } };
      };
      assert.deepEqual(Object.keys(doc), ['?xml', 'DescribeRegionsResponse']);
      assert.match(doc.DescribeRegionsResponse.RequestId, REQUEST_ID);
      const regions = doc.DescribeRegionsResponse.Regions.Region;
      assert.ok(regions.length >= 2, answer.body);
      assert.ok(regions.some((r) => r.RegionId === REGION && r.Status === 'available'));
      assert.equal(answer.body.match(/<Region>/g)!.length, regions.length);
      assert.equal(answer.body.match(/<Regions>/g)!.length, 1);
    });

    test('Format=XML error: <Error> with RequestId, HostId, Code, Message and Recommend in CDATA', async () => {
      const answer = await signedV1(server, { ...createSecurityGroup, Action: 'CreateSecurityGroups', Format: 'xml' });
      assert.equal(answer.status, 404);
      assert.equal(answer.headers.get('content-type'), 'text/xml;charset=utf-8');
      const doc = parser.parse(answer.body) as { Error: Envelope };
      const error = doc.Error;
      assert.deepEqual(Object.keys(error), ['RequestId', 'HostId', 'Code', 'Message', 'Recommend']);
      assert.match(error.RequestId, REQUEST_ID);
      assert.equal(error.Code, 'InvalidAction.NotFound');
      assert.ok(error.HostId && error.Message);
      assert.ok(
        answer.body.includes(
          `<Recommend><![CDATA[https://api.aliyun.com/troubleshoot?q=InvalidAction.NotFound&product=Ecs&requestId=${error.RequestId}]]></Recommend>`,
        ),
        answer.body,
      );
      await unchanged();
    });

    test('an echoed value with markup stays well-formed XML', async () => {
      const answer = await signedV1(server, { Action: 'Describe<x>&"y"</Error>', Format: 'XML' });
      assert.equal(answer.status, 404);
      const doc = parser.parse(answer.body) as { Error: Envelope };
      assert.equal(doc.Error.Code, 'InvalidAction.NotFound');
      assert.ok(doc.Error.Message.includes('Describe<x>&"y"</Error>'), doc.Error.Message);
    });
  });

  describe('success bodies and the SDK', () => {
    test('success bodies never carry a Code', async () => {
      const calls: Record<string, string>[] = [
        { Action: 'DescribeRegions' },
        { Action: 'DescribeInstances', RegionId: REGION },
        { Action: 'DescribeSecurityGroups', RegionId: REGION },
        { Action: 'DescribeZones', RegionId: REGION },
      ];
      for (const params of calls) {
        succeeded(await signedV1(server, params));
      }
    });

    test('openapi-core maps a wrong secret to an error with code SignatureDoesNotMatch and statusCode 400', async () => {
      const key = { id: TEST_KEY.id, secret: 'wrong' };
      for (const v1 of [false, true]) {
        const ecs = ecsClient(server, { key, v1 });
        const failure = await sdkError(
          ecs.createSecurityGroup(new $Ecs.CreateSecurityGroupRequest({ regionId: REGION })),
        );
        assert.equal(failure.code, 'SignatureDoesNotMatch');
        assert.equal(failure.statusCode, 400);
        assert.match(String(failure.data.RequestId), REQUEST_ID);
      }
      await unchanged();
    });

    test('control: the same mutating calls, properly signed, do change the snapshot', async () => {
      succeeded(await signedV1(server, createSecurityGroup));
      succeeded(await sendV3(server, { action: 'CreateSecurityGroup', params: { RegionId: REGION } }));
      succeeded(await signedV1(server, runInstances));
      const now = await snapshot();
      assert.notEqual(now, baseline);
      assert.match(now, /"TotalCount":2/);
      assert.match(now, /"TotalCount":3/);
    });
  });
});
