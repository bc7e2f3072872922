import { cpuSecondsOf, firstMessage, forkHelper } from './processes.js';
import type { AccessKey } from './sign-v3.js';

export interface LoadJob {
  url: string;
  /** host:port as the server sees it, signed into every request. */
  host: string;
  key: AccessKey;
  action: string;
  params: Record<string, string>;
  /** Requests go round these instances. */
  instanceIds: string[];
  /** A parameter given a new value in every request (so every write changes something). */
  vary?: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  poolSize: number;
}

export interface LoadResult {
  /** Successful (2xx) responses per second. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  /** Time the load generator spent signing one request, in microseconds (before the run). */
  signUs: number;
  poolUsed: number;
  poolSize: number;
  /** CPU time the server spent per request (warm-up included), in microseconds. */
  serverCpuUs: number;
}

/**
 * Runs autocannon in a separate process against job.url, and reads the CPU time the server
 * process (serverPid) used meanwhile: a figure that other load on the machine disturbs far less
 * than requests per second.
 */
export async function generateLoad(job: LoadJob, serverPid: number): Promise<LoadResult> {
  const worker = forkHelper('lib/load-worker.ts');
  const answer = firstMessage<Omit<LoadResult, 'serverCpuUs'>>(worker);
  const cpuBefore = await cpuSecondsOf(serverPid);
  worker.send(job);
  const result = await answer;
  const cpu = (await cpuSecondsOf(serverPid)) - cpuBefore;
  return { ...result, serverCpuUs: (cpu * 1e6) / result.poolUsed };
}
