import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(REPO, 'bin/openecs.js');

/** The access key every test server is started with (OPENECS_ACCESS_KEY_ID/SECRET). */
export const TEST_KEY = { id: 'LTAI5tTestKey0000000001', secret: 'TestSecret0000000000000000001' };

export interface ServerOptions {
  dataDir?: string;
  /** Seconds per transitional state; tests default to 0.2 to stay quick. */
  transitionSeconds?: number;
  bootSeconds?: number;
  args?: string[];
  env?: Record<string, string>;
}

/** A real `openecs serve` process on 127.0.0.1 with a random port and its own data dir. */
export class TestServer {
  url = '';
  port = 0;
  output = '';
  private exited: Promise<number | null>;

  private constructor(
    readonly process: ChildProcess,
    readonly dataDir: string,
  ) {
    this.exited = new Promise((resolve) => process.once('exit', (code) => resolve(code)));
    process.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    process.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  static async start(options: ServerOptions = {}): Promise<TestServer> {
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'openecs-test-'));
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--transition-seconds',
        String(options.transitionSeconds ?? 0.2),
        '--boot-seconds',
        String(options.bootSeconds ?? 0.1),
        ...(options.args ?? []),
      ],
      {
        cwd: REPO,
        env: {
          ...process.env,
          OPENECS_ACCESS_KEY_ID: TEST_KEY.id,
          OPENECS_ACCESS_KEY_SECRET: TEST_KEY.secret,
          ...options.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new TestServer(child, dataDir);
    await server.ready();
    return server;
  }

  private async ready(): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const match = /openecs is serving at (http:\/\/[\d.]+:(\d+))/.exec(this.output);
      if (match) {
        this.url = match[1]!;
        this.port = Number(match[2]);
        return;
      }
      if (this.process.exitCode !== null) throw new Error(`openecs exited early:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`openecs did not start:\n${this.output}`);
  }

  /** host:port, as @alicloud/ecs20140526 wants its endpoint. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Sends a signal and waits for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill(signal);
    return this.exited;
  }

  /** Stops the server and removes its data dir. */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Runs an `openecs` admin command and returns its output. */
export async function openecs(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

export async function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
