import { pino, type Logger as PinoLogger } from 'pino';

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
    // Written at once, on the event loop: a write(2) of a line costs less than handing it to a
    // libuv worker thread, which on this VM means waking it (BENCHMARKS.md, api), and a line
    // written is not lost with the process.
    pino.destination({ dest: 1, sync: true }),
  );
}
