/**
 * Console relay: the openecs gateway (/websockify/?s=token) against a direct TCP connection and
 * Debian's websockify carrying the same RFB stream, measured from a viewer in its own process:
 * server->browser throughput (from the synthetic source of lib/rfb-source.ts), connection setup
 * to the first RFB byte and keystroke-to-echo latency (from a simulated guest).
 */
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientAnswer, ClientJob, Target } from './lib/console-client.js';
import type { ConsoleServerCommand, ConsoleServerReply } from './lib/console-server.js';
import { VNC_PASSWORD, consoleUrl, runningInstances } from './lib/instances.js';
import { BENCH_KEY, REPO, firstMessage, forkHelper, startWebsockify, stopChild } from './lib/processes.js';
import { type BenchContext, median, percentile, ratioMetric } from './lib/report.js';
import { fork, type ChildProcess } from 'node:child_process';

export interface ConsoleServer {
  url: string;
  host: string;
  pid: number;
  child: ChildProcess;
  request(message: ConsoleServerCommand): Promise<ConsoleServerReply>;
  stop(): Promise<void>;
}

/** lib/console-server.ts in its own process, logging to a file in its data dir. */
export async function startConsoleServer(dataDir: string, nodeArgs: string[] = []): Promise<ConsoleServer> {
  const log = openSync(join(dataDir, 'serve.log'), 'a');
  const child = fork(join(REPO, 'bench/lib/console-server.ts'), [dataDir], {
    cwd: REPO,
    execArgv: ['--import', 'tsx', '--expose-gc', ...nodeArgs],
    env: { ...process.env, OPENECS_ACCESS_KEY_ID: BENCH_KEY.id, OPENECS_ACCESS_KEY_SECRET: BENCH_KEY.secret },
    stdio: ['ignore', log, log, 'ipc'],
  });
  closeSync(log);
  const ready = await firstMessage<{ url: string; port: number; pid: number }>(child, 60_000);
  let nextId = 0;
  const pending = new Map<number, (reply: ConsoleServerReply) => void>();
  child.on('message', (message: ConsoleServerReply & { id?: number }) => {
    if (message.id !== undefined) pending.get(message.id)?.(message);
  });
  return {
    url: ready.url,
    host: `127.0.0.1:${ready.port}`,
    pid: ready.pid,
    child,
    request(message) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        child.send({ ...message, id });
      });
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await stopChild(child);
    },
  };
}

/** Runs one job in a fresh viewer process. */
export async function runClient<T extends ClientAnswer>(job: ClientJob): Promise<T> {
  const client = forkHelper('lib/console-client.ts');
  const answer = firstMessage<T>(client, 300_000);
  client.send(job);
  return answer;
}

export async function relayBench(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 1 : 3;
  const seconds = ctx.quick ? 2 : 4;
  const setups = ctx.quick ? 20 : 60;
  const keys = ctx.quick ? 30 : 100;
  const dataDir = mkdtempSync(join(tmpdir(), 'openecs-bench-relay-'));
  const source = forkHelper('lib/rfb-source.ts');
  const stops: (() => Promise<void>)[] = [];
  try {
    const ready = await firstMessage<{ port: number; wsPort: number; frameBytes: number }>(source);
    const { port: sourcePort, wsPort, frameBytes } = ready;
    const server = await startConsoleServer(dataDir, ctx.serverNodeArgs);
    stops.push(() => server.stop());
    const [streamed, guest] = (await runningInstances(server.host, 2)) as [string, string];
    await server.request({ op: 'redirect', instanceId: streamed, port: sourcePort });
    const guestEndpoint = (await server.request({ op: 'console', instanceId: guest })).endpoint!;

    // Throughput: the same synthetic stream directly, through websockify, through the gateway,
    // and as a reference, over a WebSocket from the source itself (no relay in between).
    const sourceRelay = await startWebsockify(sourcePort);
    stops.push(() => sourceRelay.stop());
    const perPath = () => ({
      direct: [] as number[],
      websockify: [] as number[],
      openecs: [] as number[],
      unrelayed: [] as number[],
    });
    const throughput = perPath();
    /** The viewer's CPU seconds per GB received: what taking each path's stream costs it. */
    const viewerCpu = perPath();
    const inFlight = 4;
    for (let round = 0; round < rounds; round++) {
      const run = async (path: keyof typeof throughput, target: Target) => {
        const answer = await runClient<Extract<ClientAnswer, { kind: 'throughput' }>>({
          kind: 'throughput',
          target,
          seconds,
          inFlight,
        });
        throughput[path].push(answer.bytes / answer.seconds / 1e6);
        viewerCpu[path].push(answer.cpuSeconds / (answer.bytes / 1e9));
      };
      // Every second round runs the paths in reverse order, so none always comes first or last.
      const paths: [keyof typeof throughput, () => Promise<Target>][] = [
        ['direct', async () => ({ tcp: { host: '127.0.0.1', port: sourcePort } })],
        ['websockify', async () => ({ ws: `ws://127.0.0.1:${sourceRelay.port}/` })],
        ['openecs', async () => ({ ws: await consoleUrl(server.host, streamed) })],
        ['unrelayed', async () => ({ ws: `ws://127.0.0.1:${wsPort}/` })],
      ];
      for (const [path, target] of round % 2 ? paths.reverse() : paths) await run(path, await target());
      ctx.log(
        `relay round ${round + 1}: server->browser MB/s direct ${throughput.direct[round]!.toFixed(0)}, websockify ${throughput.websockify[round]!.toFixed(0)}, openecs ${throughput.openecs[round]!.toFixed(0)}, WebSocket from the source ${throughput.unrelayed[round]!.toFixed(0)}`,
      );
    }
    const perRound = (of: number[], to: number[]) => median(of.map((value, i) => value / to[i]!));
    const openecsMBps = median(throughput.openecs);
    const note = `${rounds} round(s) x ${seconds} s of ${(frameBytes / 1e6).toFixed(2)} MB Raw FramebufferUpdates, ${inFlight} requests in flight, from a synthetic RFB source process (see BENCHMARKS.md)`;
    ctx.record(
      ratioMetric(
        {
          bench: 'relay',
          name: 'server->browser throughput vs direct TCP',
          value: openecsMBps,
          unit: 'MB/s',
          baseline: { name: 'direct TCP', value: median(throughput.direct) },
          note,
        },
        perRound(throughput.openecs, throughput.direct),
        '>=',
        0.7,
      ),
    );
    ctx.record(
      ratioMetric(
        {
          bench: 'relay',
          name: 'server->browser throughput vs websockify',
          value: openecsMBps,
          unit: 'MB/s',
          baseline: { name: 'websockify 0.10', value: median(throughput.websockify) },
        },
        perRound(throughput.openecs, throughput.websockify),
        '>=',
        1.0,
      ),
    );
    ctx.record({
      bench: 'relay',
      name: 'server->browser throughput, WebSocket from the source (reference), vs direct TCP',
      value: median(throughput.unrelayed),
      unit: 'MB/s',
      baseline: { name: 'direct TCP', value: median(throughput.direct) },
      ratio: perRound(throughput.unrelayed, throughput.direct),
      note: `the source itself sends each update as one WebSocket message, to the same viewer: no relay process, nothing copied on the way; the ceiling for any relay here. The viewer's CPU-s per GB received, median: direct TCP ${median(viewerCpu.direct).toFixed(2)}, WebSocket from the source ${median(viewerCpu.unrelayed).toFixed(2)}, websockify ${median(viewerCpu.websockify).toFixed(2)}, openecs ${median(viewerCpu.openecs).toFixed(2)}`,
    });

    // Connection setup to the simulated guest's RFB server, until its first byte arrives. The
    // paths take turns, connection by connection, in one viewer, so all meet the same machine:
    // measured one path after another, the medians moved by up to 2x between runs.
    const guestRelay = await startWebsockify(guestEndpoint.port);
    stops.push(() => guestRelay.stop());
    const plainRelay = forkHelper('lib/plain-relay.ts', [String(guestEndpoint.port)]);
    stops.push(() => stopChild(plainRelay));
    const { port: plainPort } = await firstMessage<{ port: number }>(plainRelay);
    const setupPaths = ['direct', 'websockify', 'plain', 'openecs'] as const;
    const targets: Target[] = [];
    for (let i = 0; i < setups + 3; i++) {
      targets.push(
        { tcp: guestEndpoint },
        { ws: `ws://127.0.0.1:${guestRelay.port}/` },
        { ws: `ws://127.0.0.1:${plainPort}/` },
        // A fresh token for each connection, issued before the clock starts.
        { ws: await consoleUrl(server.host, guest) },
      );
    }
    const { ms } = await runClient<Extract<ClientAnswer, { kind: 'setup' }>>({ kind: 'setup', targets });
    // Each path's connections, after its first 3 (warm-up).
    const [direct, websockify, plain, openecs] = setupPaths.map((_, path) =>
      ms.filter((_, i) => i % setupPaths.length === path).slice(3),
    ) as [number[], number[], number[], number[]];
    ctx.log(
      `relay setup p50: direct ${median(direct).toFixed(2)} ms, websockify ${median(websockify).toFixed(2)} ms, plain Node relay ${median(plain).toFixed(2)} ms, openecs ${median(openecs).toFixed(2)} ms`,
    );
    const websockifyBaseline = { name: 'websockify 0.10', value: median(websockify) };
    ctx.record(
      ratioMetric(
        {
          bench: 'relay',
          name: 'connection setup to first RFB byte, p50',
          value: median(openecs),
          unit: 'ms',
          baseline: websockifyBaseline,
          note: `${setups} connections per path after 3 warm-up ones, the paths taking turns; openecs: token check and consumption (one SQLite commit), upgrade, TCP connect, first byte; p99 ${percentile(openecs, 99).toFixed(2)} ms (websockify ${percentile(websockify, 99).toFixed(2)} ms, direct TCP p50 ${median(direct).toFixed(2)} ms)`,
        },
        median(openecs) / median(websockify),
        '<=',
        0.3,
      ),
    );
    ctx.record({
      bench: 'relay',
      name: 'connection setup, check-free Node relay (reference), p50',
      value: median(plain),
      unit: 'ms',
      baseline: websockifyBaseline,
      ratio: median(plain) / median(websockify),
      note: 'lib/plain-relay.ts: ws and net with no token, check, log or audit, taking turns with the paths above: the floor under any Node relay here',
    });

    // Keystroke to the update that shows its echo, through the gateway and directly.
    const keystrokes = async (target: Target) =>
      (
        await runClient<Extract<ClientAnswer, { kind: 'keystrokes' }>>({
          kind: 'keystrokes',
          target,
          password: VNC_PASSWORD,
          count: keys,
        })
      ).ms;
    const directKeys = await keystrokes({ tcp: guestEndpoint });
    const gatewayKeys = await keystrokes({ ws: await consoleUrl(server.host, guest) });
    ctx.record({
      bench: 'relay',
      name: 'keystroke to echoed glyph, p50',
      value: median(gatewayKeys),
      unit: 'ms',
      baseline: { name: 'direct TCP to the guest', value: median(directKeys) },
      ratio: median(gatewayKeys) / median(directKeys),
      note: `${keys} keystrokes ('a' and BackSpace in turn at the login prompt), Raw encoding; p99 ${percentile(gatewayKeys, 99).toFixed(2)} ms through openecs`,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    if (source.connected) source.disconnect();
    await stopChild(source);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
