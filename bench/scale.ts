/**
 * Scale: DescribeInstances (PageSize 100) with 100,000 instances in the account against the same
 * call with 1,000, and the time from spawning `openecs serve` on the 100,000-instance data dir to
 * its first /healthz 200. Instances are written straight into the store (see lib/seed.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callV3 } from './lib/call.js';
import { BENCH_KEY, type ServeProcess, startOpenecs } from './lib/processes.js';
import { type BenchContext, median, percentile, ratioMetric } from './lib/report.js';
import { REGION, seedDataDir } from './lib/seed.js';

const SMALL = 1_000;
const LARGE = 100_000;
const STARTUP_LIMIT_MS = 2_000;

interface Latency {
  p50: number;
  p99: number;
}

/** Sequential calls over one kept-alive connection: latency without queueing. */
async function latency(server: ServeProcess, params: Record<string, string>, count: number): Promise<Latency> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 20; i++) await callV3(server.host, 'DescribeInstances', params, agent);
    const times: number[] = [];
    for (let i = 0; i < count; i++) times.push((await callV3(server.host, 'DescribeInstances', params, agent)).ms);
    return { p50: median(times), p99: percentile(times, 99) };
  } finally {
    agent.destroy();
  }
}

/** The NextToken of the page that starts halfway through the account's instances. */
async function middleToken(server: ServeProcess, total: number): Promise<string> {
  let token = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // MaxResults pages of 100: walk to the middle once (the walk itself is not timed).
    for (let seen = 0; seen < total / 2; seen += 100) {
      const { body } = await callV3(
        server.host,
        'DescribeInstances',
        { RegionId: REGION, MaxResults: '100', ...(token ? { NextToken: token } : {}) },
        agent,
      );
      token = (JSON.parse(body) as { NextToken: string }).NextToken;
    }
  } finally {
    agent.destroy();
  }
  return token;
}

export async function scaleBench(ctx: BenchContext): Promise<void> {
  const calls = ctx.quick ? 100 : 300;
  const dirs: string[] = [];
  try {
    const measured = new Map<number, { first: Latency; middle: Latency; startupMs: number[]; bodyBytes: number }>();
    for (const count of [SMALL, LARGE]) {
      const dir = mkdtempSync(join(tmpdir(), `openecs-bench-scale-${count}-`));
      dirs.push(dir);
      const seeded = await seedDataDir(dir, count, BENCH_KEY);
      ctx.log(`scale: seeded ${count} instances in ${(seeded.ms / 1000).toFixed(1)} s`);
      const startupMs: number[] = [];
      // The target is on the large data dir: it gets more starts than the small one.
      const starts = count === LARGE ? (ctx.quick ? 2 : 5) : ctx.quick ? 1 : 3;
      for (let i = 0; i < starts - 1; i++) {
        const server = await startOpenecs(dir, { nodeArgs: ctx.serverNodeArgs });
        startupMs.push(server.startupMs);
        await server.stop();
      }
      const server = await startOpenecs(dir, { nodeArgs: ctx.serverNodeArgs });
      startupMs.push(server.startupMs);
      try {
        const firstPage = { RegionId: REGION, PageSize: '100', PageNumber: '1' };
        const { body } = await callV3(server.host, 'DescribeInstances', firstPage);
        const answer = JSON.parse(body) as { TotalCount: number; Instances: { Instance: unknown[] } };
        if (answer.TotalCount !== count || answer.Instances.Instance.length !== 100) {
          throw new Error(
            `scale: DescribeInstances answered TotalCount ${answer.TotalCount} with ${answer.Instances.Instance.length} instances`,
          );
        }
        const first = await latency(server, firstPage, calls);
        const token = await middleToken(server, count);
        const middle = await latency(server, { RegionId: REGION, MaxResults: '100', NextToken: token }, calls);
        measured.set(count, { first, middle, startupMs, bodyBytes: body.length });
        ctx.log(
          `scale: ${count} instances: first page p50 ${first.p50.toFixed(2)} ms p99 ${first.p99.toFixed(2)} ms; middle page (NextToken) p50 ${middle.p50.toFixed(2)} ms; startup ${startupMs.map((s) => s.toFixed(0)).join(', ')} ms`,
        );
      } finally {
        await server.stop();
      }
    }
    const small = measured.get(SMALL)!;
    const large = measured.get(LARGE)!;
    ctx.record(
      ratioMetric(
        {
          bench: 'scale',
          name: 'DescribeInstances PageSize=100, 100k instances, p50',
          value: large.first.p50,
          unit: 'ms',
          baseline: { name: '1k instances', value: small.first.p50 },
          note: `${calls} sequential calls on one connection after 20 warm-up calls; p99 ${large.first.p99.toFixed(2)} ms (100k) vs ${small.first.p99.toFixed(2)} ms (1k); a 100-instance page is ${(large.bodyBytes / 1024).toFixed(0)} KB of JSON`,
        },
        large.first.p50 / small.first.p50,
        '<=',
        2,
      ),
    );
    ctx.record({
      bench: 'scale',
      name: 'DescribeInstances NextToken page at 50k of 100k, p50',
      value: large.middle.p50,
      unit: 'ms',
      baseline: { name: '1k: page at 500', value: small.middle.p50 },
      ratio: large.middle.p50 / small.middle.p50,
    });
    const startup = median(large.startupMs);
    ctx.record({
      bench: 'scale',
      name: 'startup to /healthz 200, 100k instances',
      value: startup,
      unit: 'ms',
      baseline: { name: '1k instances', value: median(small.startupMs) },
      ratio: startup / median(small.startupMs),
      target: `< ${STARTUP_LIMIT_MS} ms`,
      pass: startup < STARTUP_LIMIT_MS,
      note: `median of ${large.startupMs.length} starts (spawn of \`node bin/openecs.js serve\` to the first 200 of /healthz, polled every 5 ms): ${large.startupMs.map((s) => s.toFixed(0)).join(', ')} ms`,
    });
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}
