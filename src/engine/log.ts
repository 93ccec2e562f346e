/**
 * Structured logging with a level that can change at runtime. Every record is
 * redacted, then handed to sinks (stderr lines in the CLI, IPC in the worker).
 */
import { LOG_LEVELS, type LogLevel, type LogRecord } from './events';
import { redactText, redactValue } from './redact';

export { LOG_LEVELS, type LogLevel, type LogRecord };

export type LogSink = (record: LogRecord) => void;

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === 'string' && (LOG_LEVELS as readonly string[]).includes(value);
}

/** Shared level and sinks; `Logger.child` views share it, so one switch changes all. */
class LogCore {
  level: LogLevel;
  readonly sinks = new Set<LogSink>();
  readonly secrets: string[] = [];

  constructor(level: LogLevel) {
    this.level = level;
  }
}

export class Logger {
  private constructor(
    private readonly core: LogCore,
    readonly scope: string,
  ) {}

  static create(level: LogLevel = 'info', scope = 'engine'): Logger {
    return new Logger(new LogCore(level), scope);
  }

  child(scope: string): Logger {
    return new Logger(this.core, scope);
  }

  get level(): LogLevel {
    return this.core.level;
  }

  setLevel(level: LogLevel): void {
    this.core.level = level;
  }

  /** Values that must never appear in output (API keys, header tokens). */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 4 && !this.core.secrets.includes(secret)) this.core.secrets.push(secret);
  }

  /** The values addSecret was given, for output that leaves the logger (a diagnostics bundle). */
  get secretValues(): readonly string[] {
    return this.core.secrets;
  }

  addSink(sink: LogSink): () => void {
    this.core.sinks.add(sink);
    return () => this.core.sinks.delete(sink);
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= RANK[this.core.level];
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }

  /**
   * `verbatim` names fields passed on unredacted (still bounded): only for a
   * value the operator must read whole, once, such as the web UI's URL with
   * its token.
   */
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>, verbatim: readonly string[] = []): void {
    if (!this.enabled(level) || this.core.sinks.size === 0) return;
    const record: LogRecord = {
      time: new Date().toISOString(),
      level,
      msg: bound(redactText(msg, this.core.secrets), MAX_MESSAGE_CHARS),
      scope: this.scope,
    };
    if (fields) {
      const redacted = redactValue(fields, this.core.secrets) as Record<string, unknown>;
      for (const key of verbatim) if (key in fields) redacted[key] = fields[key];
      record.fields = boundFields(redacted);
    }
    for (const sink of this.core.sinks) sink(record);
  }
}

/**
 * Log records carry untrusted text (request ids, channel names, a server's
 * stderr). Every record is bounded here, for every sink; text lines also
 * escape control characters (formatLogLine), so no value can forge a line.
 */
export const MAX_MESSAGE_CHARS = 8192;
export const MAX_FIELD_CHARS = 512;

function bound(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more characters)`;
}

function boundFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const k = bound(key, 64);
    if (typeof value === 'string') out[k] = bound(value, MAX_FIELD_CHARS);
    else if (value === null || typeof value !== 'object') out[k] = value;
    else {
      const json = JSON.stringify(value) ?? '';
      out[k] = json.length <= MAX_FIELD_CHARS ? value : bound(json, MAX_FIELD_CHARS);
    }
  }
  return out;
}

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex
const HAS_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const NEEDS_QUOTES = /[\s="\\]|^$/;

/** Control characters as visible escapes (`\n`, `\u001b`), so one record stays one line. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}

function fieldValue(value: unknown): string {
  if (typeof value !== 'string') return escapeControl(JSON.stringify(value) ?? String(value));
  // logfmt: a value with spaces, quotes, = or control characters is quoted, so it cannot pose as another field.
  return NEEDS_QUOTES.test(value) || HAS_CONTROL.test(value) ? escapeControl(JSON.stringify(value)) : value;
}

/** ` key=value …` for a record's fields ('' without fields): plain strings bare, others quoted or as JSON. */
export function formatLogFields(fields: Record<string, unknown> | undefined): string {
  return fields ? ' ' + Object.entries(fields).map(([k, v]) => `${escapeControl(k)}=${fieldValue(v)}`).join(' ') : '';
}

/** One human-readable line: `2026-… INFO  [poller] message key=value`. */
export function formatLogLine(record: LogRecord): string {
  return `${record.time} ${record.level.toUpperCase().padEnd(5)} [${escapeControl(record.scope)}] ${escapeControl(record.msg)}${formatLogFields(record.fields)}`;
}

/** One JSON line with the reference daemon's keys (Go slog's): `time`, `level` in capitals, `msg`, `component`. */
export function formatLogJson(record: LogRecord): string {
  return JSON.stringify({ time: record.time, level: record.level.toUpperCase(), msg: record.msg, component: record.scope, ...record.fields });
}
