import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessKey } from './sign-v3.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(REPO, 'bin/openecs.js');

/** The key every bench server is started with and every bench request is signed with. */
export const BENCH_KEY: AccessKey = { id: 'LTAI5tBenchKey000000001', secret: 'BenchSecret00000000000000000001' };

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A free loopback port (the small race before the child binds it does not matter here). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Polls /healthz every few milliseconds; resolves with the time it first answered 200. */
export async function waitHealthy(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await healthy(url)) return performance.now();
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    await sleep(5);
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms`);
}

export interface ServeProcess {
  url: string;
  host: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Milliseconds from spawn to the first /healthz 200. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * A real `openecs serve` on 127.0.0.1, as an operator starts it. Its log (one line per request)
 * goes to a file in the data dir, as it would to a journal, not through a pipe to this process.
 */
export async function startOpenecs(
  dataDir: string,
  options: { nodeArgs?: string[]; env?: Record<string, string>; args?: string[] } = {},
): Promise<ServeProcess> {
  const port = await freePort();
  const log = openSync(join(dataDir, `serve-${port}.log`), 'a');
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), BIN, 'serve', '--port', String(port), '--data-dir', dataDir, ...(options.args ?? [])],
    {
      cwd: REPO,
      env: {
        ...process.env,
        OPENECS_ACCESS_KEY_ID: BENCH_KEY.id,
        OPENECS_ACCESS_KEY_SECRET: BENCH_KEY.secret,
        ...options.env,
      },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    const healthyAt = await waitHealthy(url, child);
    return {
      url,
      host: `127.0.0.1:${port}`,
      port,
      pid: child.pid!,
      child,
      startupMs: healthyAt - started,
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** SIGTERM (a graceful drain), then SIGKILL if it lingers. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Forks a bench helper script (TypeScript, through tsx) with an IPC channel. */
export function forkHelper(
  script: string,
  args: string[] = [],
  execArgv: string[] = [],
  env?: Record<string, string>,
): ChildProcess {
  return fork(join(REPO, 'bench', script), args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx', ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The first message a forked helper sends. */
export function firstMessage<T>(child: ChildProcess, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('a bench helper did not answer')), timeoutMs);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as T);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`a bench helper exited with ${code} before answering`));
    });
  });
}

/** Resident set size of a process, from /proc, in bytes. */
export async function rssOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb[1]) * 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await sleep(20);
  }
}

/** Debian's websockify relaying 127.0.0.1:listen to 127.0.0.1:target. */
export async function startWebsockify(target: number): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn('websockify', [`127.0.0.1:${port}`, `127.0.0.1:${target}`], { stdio: 'ignore' });
  try {
    await waitForPort(port);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
  return { port, stop: () => stopChild(child) };
}
