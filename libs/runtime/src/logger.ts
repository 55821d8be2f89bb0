import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs (one object per line) for machines; on a terminal the same records are
 * pretty-printed through pino-pretty.
 */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
  return pino({
    level: options.level ?? 'info',
    name: options.name ?? 'cityml',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    transport: pretty ? { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } : undefined,
  });
}
