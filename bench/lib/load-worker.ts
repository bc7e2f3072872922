/**
 * The load generator, in a process of its own so that it never shares an event loop with the
 * server it measures. It signs its whole pool of requests before the clock starts (each V3
 * request needs a fresh x-acs-signature-nonce), so signing costs the server's CPU nothing during
 * the measurement; it reports how long signing took per request.
 */
import autocannon from 'autocannon';
import { signV3 } from './sign-v3.js';
import type { LoadJob, LoadResult } from './load.js';

function pool(job: LoadJob): { requests: ReturnType<typeof signV3>[]; signUs: number } {
  const started = performance.now();
  const requests = [];
  for (let i = 0; i < job.poolSize; i++) {
    const params: Record<string, string> = { ...job.params, InstanceId: job.instanceIds[i % job.instanceIds.length]! };
    if (job.vary) params[job.vary] = `${job.vary.toLowerCase()}-${i}`;
    requests.push(signV3(job.key, job.host, job.action, params));
  }
  return { requests, signUs: ((performance.now() - started) * 1000) / job.poolSize };
}

function run(job: LoadJob, seconds: number, next: () => ReturnType<typeof signV3>): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: seconds,
        // One request at a time per connection, as SDK clients send them.
        pipelining: 1,
        requests: [{ setupRequest: (request) => ({ ...request, ...next() }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

process.once('message', async (job: LoadJob) => {
  const { requests, signUs } = pool(job);
  let next = 0;
  // A server that checks nonces needs each request once; a wrap-around would show as non-2xx.
  const take = () => requests[next++ % requests.length]!;
  await run(job, job.warmupSeconds, take);
  const result = await run(job, job.seconds, take);
  const answer: Omit<LoadResult, 'serverCpuUs'> = {
    rps: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    signUs,
    poolUsed: next,
    poolSize: requests.length,
  };
  process.send!(answer);
  process.disconnect();
});
