import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';

/**
 * The data directory: the SQLite database, the master key, the first start's credentials and the
 * lock that keeps a second server off the same data.
 */
export class DataDir {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
  }

  get databaseFile(): string {
    return join(this.path, 'openecs.db');
  }

  get credentialsFile(): string {
    return join(this.path, 'credentials.json');
  }

  private get lockFile(): string {
    return join(this.path, 'serve.lock');
  }

  /**
   * The 32-byte key that seals secrets at rest: OPENECS_MASTER_KEY (base64) when set, else
   * master.key in the data dir, made on first use with mode 0600.
   */
  masterKey(): Buffer {
    const fromEnv = process.env.OPENECS_MASTER_KEY;
    if (fromEnv) {
      const key = Buffer.from(fromEnv, 'base64');
      if (key.length !== 32) throw new Error('OPENECS_MASTER_KEY must be 32 bytes, base64-encoded');
      return key;
    }
    const file = join(this.path, 'master.key');
    if (!existsSync(file)) writeExclusive(file, randomBytes(32).toString('base64') + '\n');
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
    return key;
  }

  /** Takes the serve lock; throws with a clear message when a live server holds it. */
  lock(): void {
    try {
      writeExclusive(this.lockFile, String(process.pid));
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(this.lockFile, 'utf8').trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new Error(`another openecs server (pid ${holder}) is already serving data dir ${this.path}; stop it first`);
    }
    // The previous holder died without unlocking (a crash or SIGKILL): the lock is stale.
    writeFileSync(this.lockFile, String(process.pid), { mode: 0o600 });
  }

  unlock(): void {
    try {
      if (Number(readFileSync(this.lockFile, 'utf8').trim()) === process.pid) rmSync(this.lockFile);
    } catch {
      // Already gone: nothing to release.
    }
  }

  writeCredentials(text: string): void {
    writeExclusive(this.credentialsFile, text);
  }
}

function writeExclusive(file: string, text: string): void {
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
