// Structured JSON-line logs on stderr: {time, level, msg, ...fields}. Never pass API keys or
// Authorization headers as fields. LOG_LEVEL=debug|info|warn|error|silent (default info).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** Whether `level` is written: hot paths check it before building a log line's fields. */
  enabled(level: LogLevel): boolean;
}

function parseLevel(v: string | undefined): LogLevel {
  return v && v in ORDER ? (v as LogLevel) : 'info';
}

export function createLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = parseLevel(process.env.LOG_LEVEL),
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const min = ORDER[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...base, ...fields }, errorReplacer));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, level, write),
    enabled: (lvl) => ORDER[lvl] >= min,
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}
