import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TestServer } from '../helpers/server.js';

/**
 * The web terminal's static files: the page and noVNC's modules with correct content types and
 * protective headers, and nothing outside their folders whatever the path says. Requests are
 * written raw (node:http keeps the path as given; fetch would normalise the dot segments away).
 */

function get(
  server: TestServer,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console page static files', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.dispose());

  test('the page, its script and style, and noVNC modules, with their content types', async () => {
    const page = await get(server, '/vnc/index.html');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /<script type="module" src="console.js">/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(page.headers['referrer-policy'], 'no-referrer', 'the page URL holds a token and maybe a password');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal((await get(server, '/vnc/')).body, page.body);
    assert.equal((await get(server, '/vnc')).status, 308);
    for (const [path, type] of [
      ['/vnc/console.js', 'text/javascript; charset=utf-8'],
      ['/vnc/console.css', 'text/css; charset=utf-8'],
      ['/novnc/core/rfb.js', 'text/javascript; charset=utf-8'],
      ['/novnc/vendor/pako/lib/zlib/inflate.js', 'text/javascript; charset=utf-8'],
    ]) {
      const answer = await get(server, path!);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers['content-type'], type, path);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    }
    const head = await get(server, '/novnc/core/rfb.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers['content-length']) > 10_000);
    assert.equal(head.body, '');
    assert.equal((await get(server, '/vnc/index.html', 'POST')).status, 405);
  });

  test('no path leaves the mounted folders, and only web file types are served', async () => {
    for (const path of [
      '/vnc/../package.json',
      '/vnc/%2e%2e/package.json',
      '/vnc/%2E%2E%2Fpackage.json',
      '/vnc/..%2f..%2fpackage.json',
      '/vnc/..%5c..%5cpackage.json',
      '/vnc/%252e%252e/package.json',
      '/vnc/console.js%00.html',
      '/vnc//etc/passwd',
      '/novnc/core/../../package.json',
      '/novnc/core/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/novnc/core/%2e%2e/package.json',
      '/novnc/package.json',
      '/novnc/vendor/pako/README.md',
      '/novnc/vendor/pako/LICENSE',
      '/vnc/.hidden',
      '/vnc/%',
    ]) {
      const answer = await get(server, path);
      assert.equal(answer.status, 404, path);
      assert.doesNotMatch(answer.body, /"name"|root:/, path);
    }
  });
});
