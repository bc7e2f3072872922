/**
 * The API benchmark's baseline: the least a Node HTTP server can do per request, a constant JSON
 * body from node:http, in its own process like the server under test. It reads and ignores the
 * request, as Node does for any handler that never touches the body.
 */
import { createServer } from 'node:http';

const body = JSON.stringify({ RequestId: '00000000-0000-0000-0000-000000000000', Status: 'Running' });
const server = createServer((_request, response) => {
  response.writeHead(200, {
    'content-type': 'application/json;charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
