import { createLogger } from '../server/logger.js';
import { startServer, type ServeOptions } from '../server/app.js';
import type { IssuedKey } from '../core/accounts.js';

function banner(url: string, options: ServeOptions, firstKey: IssuedKey | null): string {
  const endpoint = new URL(url).host;
  const keyId = firstKey?.accessKeyId ?? process.env.OPENECS_ACCESS_KEY_ID ?? '<AccessKeyId>';
  const secretLine = firstKey
    ? `  A key was generated for the default account (shown this once; also in ${options.dataDir}/credentials.json, mode 0600):\n    AccessKeyId:     ${firstKey.accessKeyId}\n    AccessKeySecret: ${firstKey.accessKeySecret}\n`
    : `  Credentials: OPENECS_ACCESS_KEY_ID/SECRET, ${options.dataDir}/credentials.json, or \`npx openecs keys create\`.\n`;
  return `
openecs is serving at ${url}
  Data: ${options.databaseUrl ? 'PostgreSQL' : `SQLite in ${options.dataDir}`}; transitions take ${options.transitionSeconds}s.
${secretLine}
  Alibaba ECS (@alicloud/ecs20140526):
    new Ecs(new $OpenApiUtil.Config({ accessKeyId: '${keyId}', accessKeySecret: process.env.OPENECS_ACCESS_KEY_SECRET,
      endpoint: '${endpoint}', protocol: 'http' }))
  Alibaba POP core (@alicloud/pop-core):
    new RPCClient({ accessKeyId: '${keyId}', accessKeySecret: process.env.OPENECS_ACCESS_KEY_SECRET,
      endpoint: '${url}', apiVersion: '2014-05-26' })
  Baidu BCC: endpoint '${url}'
`;
}

export async function serveCommand(options: ServeOptions): Promise<void> {
  const log = createLogger();
  let server;
  try {
    server = await startServer(options, log);
  } catch (error) {
    console.error(`openecs: ${(error as Error).message}`);
    process.exit(1);
  }
  process.stdout.write(banner(server.url, options, server.firstKey));
  log.info({ url: server.url }, 'ready');
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'draining and shutting down');
    // A request that never finishes must not keep the process from exiting.
    setTimeout(() => process.exit(1), 15_000).unref();
    server
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
