/**
 * The log stream of `ringline start` and `ringline follow`: pino, one JSON object per line with
 * `time` (ISO 8601), `level` (info, warn, error...), `msg` and fields — or, for a person at a terminal,
 * the same records formatted as `HH:MM:SS.mmm LEVEL message key=value` (pretty: the default when stdout
 * is a TTY, or --log-format pretty). Secrets never enter it: the generated admin key goes to a 0600 file
 * (gateway/principal_store.ts) and is shown on the terminal only.
 *
 * Worker threads do not log on their own: the few things they have to say (recovery warnings, a fatal
 * error) travel to the main thread in their reports and are logged here. One writer keeps lines whole
 * and ordered, and the logic and journaler threads stay free of I/O and allocation on their hot paths.
 * Writes are synchronous: ringline logs at start, stop and on rare events, never per command, and a
 * line written just before the process exits must not be lost.
 */
import { pino, type DestinationStream, type Logger } from 'pino';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type { Logger } from 'pino';

export interface LoggerOptions {
  readonly format: LogFormat;
  /** Where lines go: stdout by default. */
  readonly stream?: { write(text: string): unknown };
}

/** The format to use when the operator named none: pretty for a terminal, JSON for everything else. */
export function defaultLogFormat(stdoutIsTty: boolean = process.stdout.isTTY === true): LogFormat {
  return stdoutIsTty ? 'pretty' : 'json';
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.stream;
  const destination: DestinationStream = options.format === 'pretty'
    ? { write: (line: string) => { (out ?? process.stdout).write(prettyLine(line)); } }
    : out === undefined ? pino.destination({ fd: 1, sync: true }) : { write: (line: string) => { out.write(line); } };
  return pino({
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, destination);
}

const RESERVED = new Set(['time', 'level', 'msg', 'pid']);

/** One JSON log line as `HH:MM:SS.mmm LEVEL message key=value ...`. */
export function prettyLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const level = String(record.level ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !RESERVED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${String(record.msg ?? '')}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`;
}
