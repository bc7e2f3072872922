/**
 * The commands of the simulated root shell. Each answers from the spec, so a user can check from
 * inside the guest what the API configured (host name, MTU, vCPUs, memory, user data output).
 * Commands that change the session (logout, passwd, reboot, poweroff) are returned as an outcome
 * for the guest to carry out.
 */
import { createHash } from 'node:crypto';
import type { GuestSpec } from '../../core/compute.js';
import { KERNEL_RELEASE, KERNEL_VERSION } from './boot-log.js';
import { echoOutput, parseCommandLine } from './shell-words.js';

export type ShellOutcome = 'continue' | 'logout' | 'passwd' | 'reboot' | 'poweroff';

export interface ShellResult {
  output: string;
  outcome: ShellOutcome;
}

export interface ShellContext {
  spec: GuestSpec;
  /** The lines of /var/log/cloud-init-output.log. */
  cloudInitLog: string[];
}

type Command = (args: string[], context: ShellContext) => ShellResult | string;

const ok = (output: string): ShellResult => ({ output, outcome: 'continue' });

/** A stable MAC per instance in Alibaba's 00:16:3e range, as ECS assigns. */
function macAddress(instanceId: string): string {
  const hash = createHash('sha256').update(instanceId).digest();
  return ['00', '16', '3e', ...[...hash.subarray(0, 3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** Memory figures in KiB, made up but consistent with the configured total. */
function memory(spec: GuestSpec) {
  const total = spec.memoryMiB * 1024;
  const used = Math.round(total * 0.06) + 90 * 1024;
  const cache = Math.round(total * 0.1);
  const free = Math.max(total - used - cache, 0);
  return {
    total,
    used,
    free,
    shared: 1024,
    cache,
    available: free + Math.round(cache * 0.8),
  };
}

function free(args: string[], { spec }: ShellContext): string {
  const m = memory(spec);
  const unit = args.includes('-m') ? 1024 : 1;
  const col = (n: number) => String(Math.round(n / unit)).padStart(12);
  const header = ['total', 'used', 'free', 'shared', 'buff/cache', 'available'];
  return (
    [
      ' '.repeat(7) + header.map((h) => h.padStart(12)).join(''),
      'Mem:'.padEnd(7) + [m.total, m.used, m.free, m.shared, m.cache, m.available].map(col).join(''),
      'Swap:'.padEnd(7) + [0, 0, 0].map(col).join(''),
    ].join('\n') + '\n'
  );
}

function meminfo(spec: GuestSpec): string {
  const m = memory(spec);
  const rows: Array<[string, number]> = [
    ['MemTotal', m.total],
    ['MemFree', m.free],
    ['MemAvailable', m.available],
    ['Cached', m.cache],
    ['Shmem', m.shared],
    ['SwapTotal', 0],
    ['SwapFree', 0],
  ];
  return rows.map(([key, kib]) => `${`${key}:`.padEnd(16)}${String(kib).padStart(8)} kB\n`).join('');
}

function ipLink(spec: GuestSpec): string {
  return (
    [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      `2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${spec.mtu} qdisc mq state UP mode DEFAULT group default qlen 1000`,
      `    link/ether ${macAddress(spec.instanceId)} brd ff:ff:ff:ff:ff:ff`,
    ].join('\n') + '\n'
  );
}

function files(context: ShellContext): Record<string, string> {
  return {
    '/etc/hostname': `${context.spec.hostName}\n`,
    '/proc/meminfo': meminfo(context.spec),
    '/var/log/cloud-init-output.log': context.cloudInitLog.map((line) => `${line}\n`).join(''),
  };
}

function cat(args: string[], context: ShellContext): string {
  const known = files(context);
  return args.map((path) => known[path] ?? `cat: ${path}: No such file or directory\n`).join('');
}

function uname(args: string[], { spec }: ShellContext): string {
  const fields: Record<string, string> = {
    '-s': 'Linux',
    '-n': spec.hostName,
    '-r': KERNEL_RELEASE,
    '-v': KERNEL_VERSION,
    '-m': 'x86_64',
    '-o': 'GNU/Linux',
  };
  const wanted = args.includes('-a') ? Object.keys(fields) : args.length > 0 ? args : ['-s'];
  const unknown = wanted.find((flag) => !(flag in fields));
  if (unknown) return `uname: invalid option -- '${unknown.replace(/^-+/, '')}'\n`;
  return `${wanted.map((flag) => fields[flag]).join(' ')}\n`;
}

function ip(args: string[], { spec }: ShellContext): string {
  const [object, action = 'show'] = args;
  if ((object === 'link' || object === 'l') && (action === 'show' || action === 'list')) return ipLink(spec);
  return 'Usage: ip link [ show ]   (this simulated guest has no other ip commands)\n';
}

function shutdown(args: string[]): ShellResult {
  return { output: '', outcome: args.includes('-r') ? 'reboot' : 'poweroff' };
}

const COMMANDS: Record<string, Command> = {
  hostname: (_, { spec }) => `${spec.hostName}\n`,
  cat,
  ip,
  nproc: (_, { spec }) => `${spec.vcpus}\n`,
  free,
  echo: (args) => echoOutput(args),
  uname,
  whoami: () => 'root\n',
  clear: () => '\x1b[H\x1b[2J',
  passwd: (args) =>
    args.length === 0 || args[0] === 'root'
      ? { output: '', outcome: 'passwd' }
      : `passwd: user '${args[0]}' does not exist\n`,
  exit: () => ({ output: '', outcome: 'logout' }),
  logout: () => ({ output: '', outcome: 'logout' }),
  reboot: () => ({ output: '', outcome: 'reboot' }),
  poweroff: () => ({ output: '', outcome: 'poweroff' }),
  halt: () => ({ output: '', outcome: 'poweroff' }),
  shutdown,
};

/** Runs one command line typed at the prompt. */
export function runCommand(line: string, context: ShellContext): ShellResult {
  const { words, redirected } = parseCommandLine(line);
  const [name, ...args] = words;
  if (name === undefined) return ok('');
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return ok(`-bash: ${name}: command not found\n`);
  const result = command(args, context);
  const normalized = typeof result === 'string' ? ok(result) : result;
  // Redirected output went to a file the simulated guest does not keep.
  return redirected ? { ...normalized, output: '' } : normalized;
}
