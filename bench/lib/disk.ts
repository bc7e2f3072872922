import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, percentile } from './report.js';

/**
 * The latency of one durable commit's floor on this machine: fdatasync after appending 4 KB, in
 * the temp directory the benchmarks' data dirs live in. Every durable write waits for one.
 */
export function fdatasyncLatency(count = 100): { p50: number; p90: number } {
  const file = join(tmpdir(), `openecs-bench-fsync-${process.pid}`);
  const fd = openSync(file, 'w');
  const page = Buffer.alloc(4096, 1);
  const ms: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      writeSync(fd, page);
      const started = performance.now();
      fdatasyncSync(fd);
      ms.push(performance.now() - started);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return { p50: median(ms), p90: percentile(ms, 90) };
}
