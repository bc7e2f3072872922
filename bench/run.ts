/**
 * `npm run bench -- [--quick] [--json FILE] [--only api,scale] [--cpu-prof DIR]`: every benchmark starts what
 * it needs on 127.0.0.1, measures against a baseline taken in the same run, and adds lines to one
 * table. Method and the latest results: BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { apiBench } from './api.js';
import { encodingBench } from './encoding.js';
import { relayBench } from './relay.js';
import { scaleBench } from './scale.js';
import { sessionsBench } from './sessions.js';
import { fdatasyncLatency } from './lib/disk.js';
import { type BenchContext, type Metric, formatTable } from './lib/report.js';

const BENCHES: Record<string, (ctx: BenchContext) => Promise<void>> = {
  api: apiBench,
  scale: scaleBench,
  relay: relayBench,
  encoding: encodingBench,
  sessions: sessionsBench,
};

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
    // Writes a V8 CPU profile of every openecs server started into this directory.
    'cpu-prof': { type: 'string' },
  },
});

const selected = values.only ? values.only.split(',') : Object.keys(BENCHES);
const unknown = selected.filter((name) => !BENCHES[name]);
if (unknown.length) {
  console.error(`unknown bench(es): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? '?',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  freeMemoryGiB: Math.round(freemem() / 2 ** 30),
  node: process.version,
};
// Other work on the machine skews every figure; the load average says how much there was.
const loadBefore = loadavg()[0]!;
const started = performance.now();
const metrics: Metric[] = [];
const failures: { bench: string; error: string }[] = [];
const ctx: BenchContext = {
  quick: values.quick,
  serverNodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [],
  record: (metric) => metrics.push(metric),
  log: (message) => console.error(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`),
};

console.error(
  `openecs bench (${values.quick ? 'quick' : 'full'}) on ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, node ${machine.node}`,
);
const disk = fdatasyncLatency();
metrics.push({
  bench: 'machine',
  name: 'fdatasync after a 4 KB append, p50',
  value: disk.p50,
  unit: 'ms',
  note: `p90 ${disk.p90.toFixed(2)} ms: the floor under every durable commit, measured before the benchmarks`,
});
for (const name of selected) {
  ctx.log(`${name}: starting`);
  try {
    await BENCHES[name]!(ctx);
  } catch (error) {
    failures.push({ bench: name, error: (error as Error).stack ?? String(error) });
    ctx.log(`${name}: FAILED: ${(error as Error).message}`);
  }
}
const seconds = (performance.now() - started) / 1000;
const load = { before: loadBefore, after: loadavg()[0]! };
console.log(formatTable(metrics));
for (const metric of metrics.filter((m) => m.note)) console.log(`  ${metric.bench}: ${metric.note}`);
console.log(
  `\n${seconds.toFixed(0)} s; ${metrics.filter((m) => m.pass === false).length} target(s) missed; ${failures.length} bench(es) failed; load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after (${machine.cpus} CPUs)`,
);
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      { at: new Date().toISOString(), quick: values.quick, seconds, machine, load, metrics, failures },
      null,
      2,
    ) + '\n',
  );
}
process.exitCode = failures.length ? 1 : 0;
