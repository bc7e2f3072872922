/**
 * A reference for the relay's connection setup: the least a Node WebSocket-to-TCP relay can do,
 * with no token, no checks, no logging and no audit. On each upgrade it connects to the target
 * port, completes the upgrade and pipes bytes both ways (`ws`, as the gateway uses). What openecs
 * takes beyond it is the price of its checks; what it takes itself is the floor for any Node
 * relay on this machine. Reports its port over IPC.
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { WebSocketServer } from 'ws';

const target = Number(process.argv[2]);
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = createServer();
server.on('upgrade', (request, socket, head) => {
  socket.on('error', () => socket.destroy());
  const tcp = connect({ host: '127.0.0.1', port: target });
  tcp.on('error', () => socket.destroy());
  tcp.once('connect', () =>
    wss.handleUpgrade(request, socket, head, (ws) => {
      tcp.on('data', (bytes) => ws.send(bytes));
      ws.on('message', (bytes: Buffer) => tcp.write(bytes));
      ws.on('close', () => tcp.destroy());
      ws.on('error', () => tcp.destroy());
      tcp.on('close', () => ws.terminate());
    }),
  );
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
