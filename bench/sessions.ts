/**
 * 1,000 concurrent idle console sessions: the openecs process's resident memory before and after
 * opening them through the gateway, each as noVNC opens one (handshake with the VNC password,
 * noVNC's encodings, a full update, an incremental request left waiting), spread over 10
 * simulated guests. Measured twice: to the simulated guests, whose RFB servers run inside the same
 * process (all in), and to an external RFB server (the synthetic source), which is the gateway's
 * own share, what a QEMU deployment would see.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientAnswer, ClientJob, Target } from './lib/console-client.js';
import { VNC_PASSWORD, consoleUrl, runningInstances } from './lib/instances.js';
import { firstMessage, forkHelper, rssOf, sleep, stopChild } from './lib/processes.js';
import type { BenchContext } from './lib/report.js';
import { type ConsoleServer, startConsoleServer } from './relay.js';

const SESSIONS = 1000;
const GUESTS = 10;
const LIMIT_BYTES = 100 * 1024;

async function tokens(server: ConsoleServer, instances: string[], count: number): Promise<Target[]> {
  const targets: Target[] = [];
  let next = 0;
  // A few calls at a time: issuing is an API call with a durable write each.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        const i = next++;
        targets[i] = { ws: await consoleUrl(server.host, instances[i % instances.length]!) };
      }
    }),
  );
  return targets;
}

/** RSS once it stops moving (a few samples 200 ms apart agree within 1%), or after 5 s. */
async function settledRss(pid: number): Promise<number> {
  let last = await rssOf(pid);
  for (let i = 0; i < 25; i++) {
    await sleep(200);
    const now = await rssOf(pid);
    if (Math.abs(now - last) < last * 0.01) return now;
    last = now;
  }
  return last;
}

interface Measured {
  perSession: number;
  before: number;
  after: number;
  openMs: number;
  /** V8 heap and Buffers/native memory growth per session, for where the RSS went. */
  heapPerSession: number;
  externalPerSession: number;
}

async function measure(
  server: ConsoleServer,
  instances: string[],
  password: string | null,
  warmup: number,
): Promise<Measured> {
  // Warm-up: the same path once, so that code, pools and caches are in place before the baseline.
  const warm = forkHelper('lib/console-client.ts');
  const warmed = firstMessage<ClientAnswer>(warm, 300_000);
  warm.send({
    kind: 'sessions',
    targets: await tokens(server, instances, warmup),
    password,
    concurrency: 10,
  } satisfies ClientJob);
  await warmed;
  warm.send('close');
  await stopChild(warm);

  const targets = await tokens(server, instances, SESSIONS);
  const heapBefore = (await server.request({ op: 'memory' })).memory!;
  const before = await settledRss(server.pid);
  const client = forkHelper('lib/console-client.ts');
  const opened = firstMessage<Extract<ClientAnswer, { kind: 'sessions' }>>(client, 300_000);
  client.send({ kind: 'sessions', targets, password, concurrency: 20 } satisfies ClientJob);
  const answer = await opened;
  if (answer.open !== SESSIONS) throw new Error(`sessions: ${answer.open} of ${SESSIONS} opened`);
  // Idle zlib streams are closed after 1 s (src/rfb/encoders/tight.ts): wait past that, collect
  // garbage, then read.
  await sleep(1500);
  const heapAfter = (await server.request({ op: 'memory' })).memory!;
  const after = await settledRss(server.pid);
  client.send('close');
  await stopChild(client);
  return {
    perSession: (after - before) / SESSIONS,
    before,
    after,
    openMs: answer.ms,
    heapPerSession: (heapAfter.heapUsed - heapBefore.heapUsed) / SESSIONS,
    externalPerSession: (heapAfter.external - heapBefore.external) / SESSIONS,
  };
}

export async function sessionsBench(ctx: BenchContext): Promise<void> {
  const dirs: string[] = [];
  // An 80x25-pixel Raw screen: 8 KB, about what a console's first Tight update weighs.
  const source = forkHelper('lib/rfb-source.ts', [], [], { RFB_SOURCE_WIDTH: '80', RFB_SOURCE_HEIGHT: '25' });
  try {
    const { port: sourcePort } = await firstMessage<{ port: number }>(source);
    const results: Record<'guests' | 'external', Measured> = {} as never;
    for (const mode of ['guests', 'external'] as const) {
      const dir = mkdtempSync(join(tmpdir(), `openecs-bench-sessions-${mode}-`));
      dirs.push(dir);
      const server = await startConsoleServer(dir, ctx.serverNodeArgs);
      try {
        const instances = await runningInstances(server.host, GUESTS);
        if (mode === 'external') {
          for (const id of instances) await server.request({ op: 'redirect', instanceId: id, port: sourcePort });
        }
        results[mode] = await measure(server, instances, mode === 'guests' ? VNC_PASSWORD : null, 50);
        const m = results[mode];
        ctx.log(
          `sessions (${mode}): RSS ${(m.before / 2 ** 20).toFixed(1)} -> ${(m.after / 2 ** 20).toFixed(1)} MiB for ${SESSIONS} sessions opened in ${(m.openMs / 1000).toFixed(1)} s: ${(m.perSession / 1024).toFixed(1)} KiB each (V8 heap ${(m.heapPerSession / 1024).toFixed(1)} KiB, external ${(m.externalPerSession / 1024).toFixed(1)} KiB)`,
        );
      } finally {
        await server.stop();
      }
    }
    const split = (m: Measured) =>
      `V8 heap ${(m.heapPerSession / 1024).toFixed(1)} KiB + external ${(m.externalPerSession / 1024).toFixed(1)} KiB`;
    const note = `${SESSIONS} sessions over ${GUESTS} instances, opened 20 at a time after 50 warm-up sessions; growth of the server's RSS once settled; of which ${split(results.guests)} (guests), ${split(results.external)} (external)`;
    ctx.record({
      bench: 'sessions',
      name: `server memory per idle console session (${SESSIONS}, guests in-process)`,
      value: results.guests.perSession / 1024,
      unit: 'KiB',
      target: `<= ${LIMIT_BYTES / 1024} KiB`,
      pass: results.guests.perSession <= LIMIT_BYTES,
      note,
    });
    ctx.record({
      bench: 'sessions',
      name: `server memory per idle console session (${SESSIONS}, external RFB server)`,
      value: results.external.perSession / 1024,
      unit: 'KiB',
      target: `<= ${LIMIT_BYTES / 1024} KiB`,
      pass: results.external.perSession <= LIMIT_BYTES,
    });
  } finally {
    if (source.connected) source.disconnect();
    await stopChild(source);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
