import { request } from 'node:http';
import { BENCH_KEY } from './processes.js';
import { signV3 } from './sign-v3.js';

/** One signed V3 call over a kept-alive connection; throws unless the answer is 200. */
export function callV3(
  host: string,
  action: string,
  params: Record<string, string>,
  agent?: import('node:http').Agent,
): Promise<{ body: string; ms: number }> {
  const signed = signV3(BENCH_KEY, host, action, params);
  const [hostname, port] = host.split(':') as [string, string];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port: Number(port), method: signed.method, path: signed.path, headers: signed.headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          const ms = performance.now() - started;
          if (res.statusCode !== 200) reject(new Error(`${action} answered ${res.statusCode}: ${body}`));
          else resolve({ body, ms });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}
