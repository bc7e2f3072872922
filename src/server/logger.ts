import { type DestinationStream, pino, type Logger as PinoLogger } from 'pino';

/**
 * One JSON log line per event on stdout. Nothing secret is ever passed to the logger (requests are
 * logged without their query or body); the redaction list is the second line of defence.
 */
export function createLogger(level = process.env.OPENECS_LOG_LEVEL ?? 'info'): PinoLogger {
  return pino(
    {
      level,
      base: { service: 'openecs' },
      redact: {
        paths: [
          '*.password',
          '*.Password',
          '*.secret',
          '*.accessKeySecret',
          '*.token',
          '*.authorization',
          '*.vncPassword',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    // Written on the event loop: a write(2) costs less than handing lines to a libuv worker
    // thread, which on this VM means waking it (BENCHMARKS.md, api).
    linesAtTurnEnd(pino.destination({ dest: 1, sync: true })),
  );
}

/**
 * Lines logged during one turn of the event loop, written together when it ends: under load a
 * turn handles several requests, and one write(2) for all their lines costs about what one line's
 * did (BENCHMARKS.md, change 21). Lines still waiting when the process exits are written then;
 * a SIGKILL can lose at most one turn's lines.
 */
function linesAtTurnEnd(destination: DestinationStream): DestinationStream {
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const text = lines.join('');
    lines = [];
    destination.write(text);
  };
  process.on('exit', flush);
  return {
    write(line: string) {
      if (lines.push(line) === 1) setImmediate(flush);
    },
  };
}
