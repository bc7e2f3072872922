import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = '/usr/lib/postgresql/15/bin';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** initdb refuses to run as root; as root, run the server binaries as the postgres user. */
function run(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  execFileSync(
    asRoot ? 'runuser' : join(BIN, command),
    asRoot ? ['-u', 'postgres', '--', join(BIN, command), ...args] : args,
    { stdio: 'pipe' },
  );
}

/** A throwaway PostgreSQL 15 cluster on 127.0.0.1, for tests. */
export class TestPostgres {
  private constructor(
    private readonly dir: string,
    readonly url: string,
  ) {}

  /** The cluster's files (tables, indexes, write-ahead log), for scans of what was stored. */
  get dataDir(): string {
    return join(this.dir, 'data');
  }

  static async start(): Promise<TestPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'openecs-pg-'));
    if (process.getuid?.() === 0)
      chownSync(
        dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      );
    const port = await freePort();
    run('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync']);
    run('pg_ctl', [
      '-D',
      join(dir, 'data'),
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
      'start',
    ]);
    return new TestPostgres(dir, `postgres://postgres@127.0.0.1:${port}/postgres`);
  }

  stop(): void {
    try {
      run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export const postgresAvailable = (() => {
  try {
    execFileSync(join(BIN, 'postgres'), ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
})();
