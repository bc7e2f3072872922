import { pino, type Logger as PinoLogger } from 'pino';

/**
 * One JSON log line per event on stdout. Nothing secret is ever passed to the logger (requests are
 * logged without their query or body); the redaction list is the second line of defence.
 */
export function createLogger(level = process.env.OPENECS_LOG_LEVEL ?? 'info'): PinoLogger {
  return pino({
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
  });
}
