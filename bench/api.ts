/**
 * API throughput: signed V3 DescribeInstanceAttribute and ModifyInstanceAttribute (a durable
 * commit each) against a bare node:http server answering a constant JSON body, all at 50
 * connections from autocannon in a separate process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callV3 } from './lib/call.js';
import { type LoadJob, type LoadResult, generateLoad } from './lib/load.js';
import { BENCH_KEY, firstMessage, forkHelper, startOpenecs, stopChild } from './lib/processes.js';
import { type BenchContext, median, ratioMetric } from './lib/report.js';
import { seedDataDir } from './lib/seed.js';

const CONNECTIONS = 50;
const INSTANCES = 100;

const describeRun = (r: LoadResult) =>
  `${r.rps.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, server CPU ${r.serverCpuUs.toFixed(0)} us/request`;

export async function apiBench(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 3 : 8;
  const warmupSeconds = ctx.quick ? 1 : 2;
  const rounds = ctx.quick ? 1 : 3;
  const dataDir = mkdtempSync(join(tmpdir(), 'openecs-bench-api-'));
  const bare = forkHelper('lib/bare-http.ts');
  let server;
  try {
    const { instanceIds } = await seedDataDir(dataDir, INSTANCES, BENCH_KEY);
    const { port: barePort } = await firstMessage<{ port: number }>(bare);
    server = await startOpenecs(dataDir, { nodeArgs: ctx.serverNodeArgs });
    // A correctness check before any load: both operations succeed as signed here.
    await callV3(server.host, 'DescribeInstanceAttribute', { InstanceId: instanceIds[0]! });
    await callV3(server.host, 'ModifyInstanceAttribute', { InstanceId: instanceIds[0]!, Description: 'bench' });

    const common = { key: BENCH_KEY, params: {}, instanceIds, connections: CONNECTIONS, seconds, warmupSeconds };
    const runs: Record<'bare' | 'describe' | 'modify', LoadResult[]> = { bare: [], describe: [], modify: [] };
    for (let round = 0; round < rounds; round++) {
      // The baseline receives the same signed requests (and ignores them), so the load generator
      // does identical work for both; it has no nonce check, so a small pool can wrap around.
      const bareJob: LoadJob = {
        ...common,
        url: `http://127.0.0.1:${barePort}`,
        host: server.host,
        action: 'DescribeInstanceAttribute',
        poolSize: 20_000,
      };
      const baseline = await generateLoad(bareJob, bare.pid!);
      runs.bare.push(baseline);
      ctx.log(`api round ${round + 1}: bare node:http ${describeRun(baseline)}`);
      // openecs never beats bare node:http, so baseline rate x time bounds the requests it can take.
      const poolSize = Math.ceil(baseline.rps * (seconds + warmupSeconds) * 1.05);
      const describe = await generateLoad(
        {
          ...common,
          url: server.url,
          host: server.host,
          action: 'DescribeInstanceAttribute',
          poolSize,
        },
        server.pid,
      );
      runs.describe.push(describe);
      ctx.log(`api round ${round + 1}: DescribeInstanceAttribute ${describeRun(describe)}`);
      const modify = await generateLoad(
        {
          ...common,
          url: server.url,
          host: server.host,
          action: 'ModifyInstanceAttribute',
          vary: 'Description',
          poolSize,
        },
        server.pid,
      );
      runs.modify.push(modify);
      ctx.log(`api round ${round + 1}: ModifyInstanceAttribute ${describeRun(modify)}`);
    }
    for (const [name, results] of Object.entries(runs)) {
      const failed = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
      if (failed) throw new Error(`api: ${name} had ${failed} failed requests`);
    }
    const bareRps = median(runs.bare.map((r) => r.rps));
    const bareP99 = median(runs.bare.map((r) => r.p99Ms));
    // Each round's ratio uses the baseline of the same round; the table gives the median round.
    const ratios = (results: LoadResult[]) => median(results.map((r, i) => r.rps / runs.bare[i]!.rps));
    const baseline = { name: 'bare node:http', value: bareRps };
    const note = `${rounds} round(s) x ${seconds} s, ${CONNECTIONS} connections; signing ${median(runs.describe.map((r) => r.signUs)).toFixed(1)} us/request in the load generator, before the run`;
    ctx.record(
      ratioMetric(
        {
          bench: 'api',
          name: 'DescribeInstanceAttribute (V3) throughput',
          value: median(runs.describe.map((r) => r.rps)),
          unit: 'req/s',
          baseline,
          note,
        },
        ratios(runs.describe),
        '>=',
        0.35,
      ),
    );
    ctx.record(
      ratioMetric(
        {
          bench: 'api',
          name: 'ModifyInstanceAttribute (V3, durable) throughput',
          value: median(runs.modify.map((r) => r.rps)),
          unit: 'req/s',
          baseline,
        },
        ratios(runs.modify),
        '>=',
        0.2,
      ),
    );
    for (const [name, results] of [
      ['DescribeInstanceAttribute', runs.describe],
      ['ModifyInstanceAttribute', runs.modify],
    ] as const) {
      const p99 = median(results.map((r) => r.p99Ms));
      ctx.record({
        bench: 'api',
        name: `${name} p99 latency @${CONNECTIONS}`,
        value: p99,
        unit: 'ms',
        baseline: { name: 'bare node:http', value: bareP99 },
        ratio: p99 / bareP99,
      });
    }
  } finally {
    await server?.stop();
    bare.disconnect();
    await stopChild(bare);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
