import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WsViewer } from '../console/helpers.js';
import { REGION } from '../helpers/aliyun.js';
import { signedRequest } from '../helpers/bce.js';
import { TestServer } from '../helpers/server.js';
import { RawClient } from '../helpers/http.js';
import { consoleUrl, readyInstance, SecretLedger, signV1 } from './support.js';

/**
 * Clients that misbehave on purpose: hundreds of connections that start a request and never finish
 * it, and requests too large to be worth reading. The server's limits (src/server/http-server.ts):
 * headersTimeout 10 s, requestTimeout 30 s, bodies 256 KiB, URLs 96 KiB, 500 parameters.
 */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How late past its timeout a stalled connection may still be closed: the server sweeps every second. */
const CLOSE_SLACK_MS = 3_000;
const MAX_BODY = 256 * 1024;
const MAX_URL = 96 * 1024;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parseResponse(text: string): RawResponse | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  const body = text.slice(end + 4);
  if (headers['content-length'] !== undefined && Buffer.byteLength(body) < Number(headers['content-length']))
    return null;
  return { status: Number(statusLine!.split(' ')[1]), headers, body };
}

/** A connection that sent part of a request and then nothing: when it was closed and what it was told. */
class Staller {
  readonly socket: Socket;
  readonly openedAt = Date.now();
  received = '';
  closedAt: number | null = null;
  readonly connected: Promise<void>;

  constructor(port: number, partial: string) {
    this.socket = connect(port, '127.0.0.1');
    this.connected = new Promise((resolve) => this.socket.once('connect', resolve));
    this.socket.write(partial);
    this.socket.on('data', (chunk: Buffer) => (this.received += chunk.toString('latin1')));
    this.socket.on('error', () => {});
    this.socket.on('close', () => (this.closedAt = Date.now()));
  }
}

/**
 * Sends a request head, then its body in 16 KiB pieces a millisecond apart for as long as the
 * server has not answered: how much of the body went out before the answer shows how early it was refused.
 */
function sendLarge(
  port: number,
  head: string,
  bodyBytes: number,
  chunked = false,
): Promise<{ response: RawResponse | null; bodySent: number }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let bodySent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response: parseResponse(received), bodySent });
    };
    const piece = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      if (done) return;
      if (bodySent >= bodyBytes) return void (chunked && socket.write('0\r\n\r\n'));
      bodySent += piece.length;
      socket.write(
        chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]) : piece,
      );
      setTimeout(pump, 1);
    };
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (parseResponse(received)) finish();
    });
    socket.on('error', finish);
    socket.on('close', finish);
    socket.write(head, pump);
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

describe('abuse', () => {
  const ledger = new SecretLedger();
  let server: TestServer;
  let client: RawClient;

  before(async () => {
    server = await TestServer.start({ env: { OPENECS_BAIDU_REGION: REGION } });
    client = new RawClient(server.port, 8);
  });
  after(async () => {
    client.close();
    await server.stop('SIGTERM');
    assert.deepEqual(ledger.findLeaks([server.output], server.dataDir), []);
    await server.dispose();
  });

  test(
    '500 half-open connections do not starve other clients, and are closed once their time is up',
    { timeout: 90_000 },
    async () => {
      const { instanceId } = await readyInstance(client);
      const heads = [
        'GET /?Action=DescribeRegions&Version=2014-05-26 HTTP/1.1\r\nHost: 127.0.0.1\r\n',
        'GET /v2/instance HTTP/1.1\r\nHost: 127.0.0.1\r\nx-bce-date: 2024-01-01T00:00:00Z\r\n',
        'GET /websockify/?s=abc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n',
        'POST / HTTP/1.1\r\nHo',
        'G',
        '',
      ];
      const heads500 = Array.from({ length: 500 }, (_, i) => new Staller(server.port, heads[i % heads.length]!));
      // Complete heads whose bodies never come: requestTimeout is what ends these.
      const bodies = Array.from(
        { length: 10 },
        (_, i) =>
          new Staller(
            server.port,
            `${i % 2 ? 'PUT /v2/instance/x?modifyDesc' : 'POST /'} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Des`,
          ),
      );
      await Promise.all([...heads500, ...bodies].map((s) => s.connected));

      // Meanwhile an ordinary client is served as usual, over both dialects and the console.
      const latencies: number[] = [];
      for (let i = 0; i < 60; i++) {
        const started = performance.now();
        const answers = await Promise.all([
          client.send(signV1({ Action: 'DescribeInstances', RegionId: REGION })),
          signedRequest(server, { method: 'GET', path: '/v2/instance' }),
          client.send({ method: 'GET', path: '/healthz' }),
        ]);
        latencies.push(performance.now() - started);
        for (const answer of answers) assert.equal(answer.status, 200);
      }
      const url = await consoleUrl(client, instanceId);
      ledger.addConsoleUrl(url);
      const viewer = await WsViewer.open(url, null);
      assert.equal(viewer.width, 640, 'a console session opens');
      viewer.ws.close();
      assert.ok(
        heads500.every((s) => s.closedAt === null),
        'the stalled connections were still open during all that',
      );
      console.log(
        `with 510 stalled connections: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms per round of 3 calls`,
      );
      assert.ok(Math.max(...latencies) < 1000, `every round answered within 1 s (max ${Math.max(...latencies)} ms)`);

      await new Promise((resolve) =>
        setTimeout(resolve, REQUEST_TIMEOUT_MS + CLOSE_SLACK_MS - (Date.now() - bodies[0]!.openedAt)),
      );
      for (const [group, stallers, timeout] of [
        ['partial heads', heads500, HEADERS_TIMEOUT_MS],
        ['unfinished bodies', bodies, REQUEST_TIMEOUT_MS],
      ] as const) {
        const open = stallers.filter((s) => s.closedAt === null).length;
        assert.equal(open, 0, `${open} of the ${group} are still open`);
        const lifetimes = stallers.map((s) => s.closedAt! - s.openedAt);
        assert.ok(
          Math.min(...lifetimes) >= timeout - 1000,
          `${group} were kept their full ${timeout} ms (min ${Math.min(...lifetimes)})`,
        );
        assert.ok(
          Math.max(...lifetimes) <= timeout + CLOSE_SLACK_MS,
          `${group} closed by ${timeout + CLOSE_SLACK_MS} ms (max ${Math.max(...lifetimes)})`,
        );
        for (const staller of stallers) {
          const response = parseResponse(staller.received);
          // The one-byte head may not have reached the point where Node answers; any answer is a 408.
          if (response) assert.equal(response.status, 408, `${group}: ${staller.received.slice(0, 200)}`);
        }
      }
      assert.equal((await client.send({ method: 'GET', path: '/healthz' })).status, 200);
      assert.doesNotMatch(server.output, /request failed|unexpected error/);
    },
  );

  describe('requests beyond the limits are refused early, each in its dialect', () => {
    type Refusal = { status: number; body: string } | null;
    const aliyunError = (response: Refusal, status: number, message: RegExp) => {
      assert.ok(response, 'an answer came');
      assert.equal(response.status, status, response.body);
      const body = JSON.parse(response.body) as { Code: string; Message: string; RequestId: string };
      assert.equal(body.Code, 'InvalidParameter');
      assert.match(body.Message, message);
      assert.ok(body.RequestId);
    };
    const baiduError = (response: Refusal, status: number, code: string, message: RegExp) => {
      assert.ok(response, 'an answer came');
      assert.equal(response.status, status, response.body);
      const body = JSON.parse(response.body) as { code: string; message: string; requestId: string };
      assert.equal(body.code, code, response.body);
      assert.match(body.message, message);
      assert.ok(body.requestId);
    };

    test('a declared 10 MiB body is refused before any of it is sent (Alibaba 413, Baidu 400 as BCE documents)', async () => {
      const tenMiB = 10 * 1024 * 1024;
      const alibaba = await sendLarge(
        server.port,
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${tenMiB}\r\n\r\n`,
        0,
      );
      aliyunError(alibaba.response, 413, new RegExp(`exceeds ${MAX_BODY} bytes`));
      const baidu = await sendLarge(
        server.port,
        `PUT /v2/instance/i-x?modifyDesc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${tenMiB}\r\n\r\n`,
        0,
      );
      baiduError(baidu.response, 400, 'InvalidHTTPRequest', new RegExp(`exceeds ${MAX_BODY} bytes`));
    });

    test('an undeclared (chunked) body is cut off at the limit', async () => {
      const alibaba = await sendLarge(
        server.port,
        'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n',
        8 * MAX_BODY,
        true,
      );
      aliyunError(alibaba.response, 413, new RegExp(`exceeds ${MAX_BODY} bytes`));
      assert.ok(alibaba.bodySent < 2 * MAX_BODY, `answered after ${alibaba.bodySent} bytes of the body`);
      const baidu = await sendLarge(
        server.port,
        'POST /v2/instance HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
        8 * MAX_BODY,
        true,
      );
      baiduError(baidu.response, 400, 'InvalidHTTPRequest', new RegExp(`exceeds ${MAX_BODY} bytes`));
      assert.ok(baidu.bodySent < 2 * MAX_BODY, `answered after ${baidu.bodySent} bytes of the body`);
    });

    test('a URL over 96 KiB is refused (Alibaba 414, Baidu 400 InvalidURI)', async () => {
      const long = 'x'.repeat(MAX_URL);
      const alibaba = await client.send({ method: 'GET', path: `/?Action=DescribeRegions&Pad=${long}` });
      aliyunError(alibaba, 414, new RegExp(`URL exceeds ${MAX_URL} bytes`));
      const baidu = await client.send({ method: 'GET', path: `/v2/instance?pad=${long}` });
      baiduError(baidu, 400, 'InvalidURI', new RegExp(`URL exceeds ${MAX_URL} bytes`));
    });

    test('more than 500 parameters are answered 400, in the query or the body', async () => {
      const many = Array.from({ length: 501 }, (_, i) => `P${i}=v`).join('&');
      for (const shot of [
        { method: 'GET', path: `/?${many}` },
        { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: many },
        // Signed and otherwise valid: the count is refused before anything else is looked at.
        signV1(Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`Tag.${i}.Key`, 'k'])), undefined, 'POST'),
      ]) {
        const answer = await client.send(shot);
        aliyunError(answer, 400, /more than 500 parameters/);
      }
      const baidu = await signedRequest(server, {
        method: 'GET',
        path: '/v2/instance',
        query: Array.from({ length: 501 }, (_, i) => [`p${i}`, 'v'] as [string, string]),
      });
      baiduError({ status: baidu.status, body: baidu.text }, 400, 'InvalidURI', /more than 500 parameters/);
    });

    test('a request head over 256 KiB is answered 431', async () => {
      const answer = await sendLarge(
        server.port,
        `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'p'.repeat(300 * 1024)}\r\n\r\n`,
        0,
      );
      assert.equal(answer.response?.status, 431);
    });
  });
});
