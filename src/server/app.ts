import type { Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { DEFAULT_ACCOUNT, type IssuedKey } from '../core/accounts.js';
import { BUILT_IN_CATALOG, type Catalog } from '../core/catalog.js';
import { systemClock } from '../core/clock.js';
import type { ComputeDriver } from '../core/compute.js';
import { Core } from '../core/core.js';
import { SecretBox } from '../core/secrets.js';
import { AliyunDialect } from '../dialects/aliyun/handler.js';
import type { DialectSettings } from '../dialects/aliyun/operation.js';
import { OPERATIONS } from '../dialects/aliyun/operations/index.js';
import { BaiduDialect } from '../dialects/baidu/handler.js';
import type { BaiduSettings } from '../dialects/baidu/operation.js';
import { OPERATIONS as BAIDU_OPERATIONS } from '../dialects/baidu/operations/index.js';
import { defaultRegion } from '../dialects/baidu/region.js';
import { openStore, parseStoreLocation } from '../store/database.js';
import { SimDriver } from '../compute/sim/sim-driver.js';
import { ConsoleGateway, DEFAULT_IDLE_MS } from '../console/gateway.js';
import { StaticFiles } from '../console/static.js';
import { DataDir } from './data-dir.js';
import { createHttpServer } from './http-server.js';

export interface ServeOptions {
  host: string;
  port: number;
  dataDir: string;
  /** postgres://... to keep state in PostgreSQL instead of the data dir's SQLite file. */
  databaseUrl?: string;
  transitionSeconds: number;
  /** Base URL browsers and SDK users reach this server at; defaults to http://host:port. */
  publicUrl?: string;
  /** Seconds a simulated guest takes to boot to its login prompt. */
  bootSeconds: number;
  /** How long a console URL stays valid (default 15). */
  consoleUrlTtlSeconds?: number;
  /** Console sessions without keyboard or mouse input close after this long (default 60). */
  consoleIdleSeconds?: number;
  /** Console connections admitted per instance per rolling minute (default 30). */
  consoleReconnectsPerMinute?: number;
  /** Region of Baidu BCC requests whose Host is no bcc.<code>.baidubce.com endpoint (OPENECS_BAIDU_REGION; default cn-beijing). */
  baiduDefaultRegion?: string;
  catalog?: Catalog;
}

export interface RunningServer {
  url: string;
  port: number;
  core: Core;
  /** The key generated on the very first start, shown once; null afterwards. */
  firstKey: IssuedKey | null;
  close(): Promise<void>;
}

/** Ensures the default account has a key: from the environment, or generated on the first start. */
async function ensureDefaultKey(core: Core, dataDir: DataDir): Promise<IssuedKey | null> {
  const id = process.env.OPENECS_ACCESS_KEY_ID;
  const secret = process.env.OPENECS_ACCESS_KEY_SECRET;
  if (id && secret) {
    await core.accounts.createKey(DEFAULT_ACCOUNT, { id, secret });
    return null;
  }
  const account = await core.accounts.ensureAccount(DEFAULT_ACCOUNT);
  const keys = await core.accounts.listKeys();
  if (keys.some((k) => k.accountId === account.accountId)) return null;
  const issued = await core.accounts.createKey(DEFAULT_ACCOUNT);
  dataDir.writeCredentials(
    JSON.stringify(
      { accessKeyId: issued.accessKeyId, accessKeySecret: issued.accessKeySecret, account: DEFAULT_ACCOUNT },
      null,
      2,
    ) + '\n',
  );
  return issued;
}

export async function startServer(options: ServeOptions, log: Logger, compute?: ComputeDriver): Promise<RunningServer> {
  const dataDir = new DataDir(options.dataDir);
  dataDir.lock();
  let server: Server | undefined;
  try {
    const baiduRegion = defaultRegion(
      options.catalog ?? BUILT_IN_CATALOG,
      options.baiduDefaultRegion ?? process.env.OPENECS_BAIDU_REGION,
    );
    const store = await openStore(parseStoreLocation(options.databaseUrl ?? dataDir.databaseFile));
    const secrets = new SecretBox(dataDir.masterKey());
    const core = new Core({
      store,
      compute: compute ?? new SimDriver({ bootSeconds: options.bootSeconds }),
      catalog: options.catalog ?? BUILT_IN_CATALOG,
      secrets,
      clock: systemClock,
      log,
      transitionMs: options.transitionSeconds * 1000,
      consolePolicy: {
        urlTtlMs: options.consoleUrlTtlSeconds === undefined ? undefined : options.consoleUrlTtlSeconds * 1000,
        reconnectsPerMinute: options.consoleReconnectsPerMinute,
      },
    });
    const firstKey = await ensureDefaultKey(core, dataDir);
    await core.start();

    // The public URL defaults to the address we end up listening on, known only after listen().
    const settings: DialectSettings = { publicUrl: options.publicUrl ?? '' };
    const aliyun = new AliyunDialect(core, OPERATIONS, settings, log);
    const baiduSettings: BaiduSettings = {
      get publicUrl() {
        return settings.publicUrl;
      },
      defaultRegion: baiduRegion,
    };
    const baidu = new BaiduDialect(core, BAIDU_OPERATIONS, baiduSettings, log);
    const consoles = new ConsoleGateway(core, log, {
      idleMs: options.consoleIdleSeconds === undefined ? DEFAULT_IDLE_MS : options.consoleIdleSeconds * 1000,
    });
    const staticFiles = new StaticFiles();
    let ready = false;
    server = createHttpServer({
      log,
      routes: [
        { matches: (path) => path === '/', handle: (r) => aliyun.handle(r), refuse: (s, why) => aliyun.refuse(s, why) },
        {
          matches: (path) => path.startsWith('/v1/') || path.startsWith('/v2/'),
          handle: (r) => baidu.handle(r),
          refuse: (s, why) => baidu.refuse(s, why),
        },
      ],
      upgrades: [consoles],
      serveOther(request, response: ServerResponse) {
        if (staticFiles.serve(request, response) || consoles.serveStatus(request, response)) return true;
        if (request.url !== '/healthz') return false;
        response
          .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: ready ? 'ok' : 'starting' }));
        return true;
      },
    });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(options.port, options.host, () => resolve());
    });
    const address = listening.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
    settings.publicUrl ||= url;
    ready = true;

    return {
      url,
      port,
      core,
      firstKey,
      async close() {
        ready = false;
        // Stop accepting, let in-flight requests finish (idle keep-alive sockets close at once).
        const stopped = new Promise<void>((resolve) => listening.close(() => resolve()));
        // Console sessions are long-lived upgraded sockets: close them, audited, before the store goes.
        await consoles.close();
        await stopped;
        await core.stop();
        await store.close();
        dataDir.unlock();
      },
    };
  } catch (error) {
    server?.close();
    dataDir.unlock();
    throw error;
  }
}
