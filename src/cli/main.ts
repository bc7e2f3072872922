import { parseArgs } from 'node:util';
import { loadCatalog } from '../server/catalog-file.js';
import { accountsCommand } from './accounts.js';
import { auditCommand } from './audit.js';
import { instancesCommand } from './instances.js';
import { keysCommand } from './keys.js';
import { DEFAULT_DATA_DIR } from './options.js';
import { serveCommand } from './serve.js';

const USAGE = `usage: openecs <command> [options]

  serve     [--host 127.0.0.1] [--port 8080] [--data-dir ./data] [--database-url postgres://...]
            [--transition-seconds 1] [--boot-seconds 1.5] [--public-url http://host:port] [--catalog regions.json]
            [--console-url-ttl-seconds 15] [--console-idle-seconds 60] [--console-reconnects-per-minute 30]
  keys      create [--account NAME] | list | disable <id> | enable <id>   [--json]
  instances show <id> [--json] | lock <id> --reason security | unlock <id>
  accounts  list | preview <account> <Recyclable|RemoteConnectionOptions|NestedVirtualization|NetworkEncryption> on|off
  audit     [--instance ID] [--since 2026-11-23T06:00:00Z] [--json]

Every command takes --data-dir (default ./data) and works beside a running server.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
    'database-url': { type: 'string' },
    'transition-seconds': { type: 'string', default: '1' },
    'boot-seconds': { type: 'string', default: '1.5' },
    'public-url': { type: 'string' },
    'console-url-ttl-seconds': { type: 'string' },
    'console-idle-seconds': { type: 'string' },
    'console-reconnects-per-minute': { type: 'string' },
    catalog: { type: 'string' },
    account: { type: 'string' },
    reason: { type: 'string' },
    instance: { type: 'string' },
    since: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function number(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}`);
  return n;
}

function optionalNumber(name: string, value: string | undefined, min: number): number | undefined {
  return value === undefined ? undefined : number(name, value, min);
}

const [command, ...args] = positionals;
const common = { dataDir: values['data-dir'], databaseUrl: values['database-url'] ?? process.env.OPENECS_DATABASE_URL };

try {
  switch (values.help ? 'help' : command) {
    case 'serve':
      await serveCommand({
        ...common,
        host: values.host,
        port: number('port', values.port, 0),
        transitionSeconds: number('transition-seconds', values['transition-seconds'], 0),
        bootSeconds: number('boot-seconds', values['boot-seconds'], 0),
        publicUrl: values['public-url'],
        consoleUrlTtlSeconds: optionalNumber('console-url-ttl-seconds', values['console-url-ttl-seconds'], 0.1),
        consoleIdleSeconds: optionalNumber('console-idle-seconds', values['console-idle-seconds'], 0.1),
        consoleReconnectsPerMinute: optionalNumber(
          'console-reconnects-per-minute',
          values['console-reconnects-per-minute'],
          1,
        ),
        catalog: values.catalog ? loadCatalog(values.catalog) : undefined,
      });
      break;
    case 'keys':
      await keysCommand(args, { ...common, account: values.account, json: values.json });
      break;
    case 'instances':
      await instancesCommand(args, { ...common, reason: values.reason, json: values.json });
      break;
    case 'accounts':
      await accountsCommand(args, { ...common, json: values.json });
      break;
    case 'audit':
      await auditCommand({ ...common, instance: values.instance, since: values.since, json: values.json });
      break;
    default:
      console.log(USAGE);
      process.exitCode = command && command !== 'help' ? 2 : 0;
  }
} catch (error) {
  console.error(`openecs: ${(error as Error).message}`);
  process.exitCode = 1;
}
