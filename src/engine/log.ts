/**
 * Structured logging with a level that can change at runtime. Every record is
 * redacted, then handed to sinks (stderr lines in the CLI, IPC in the worker).
 */
import { redactText, redactValue } from './redact';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogRecord {
  time: string;
  level: LogLevel;
  msg: string;
  /** Component that logged: poller, dispatcher, stdio, http, health, relay, … */
  scope: string;
  fields?: Record<string, unknown>;
}

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

  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
    if (!this.enabled(level) || this.core.sinks.size === 0) return;
    const record: LogRecord = {
      time: new Date().toISOString(),
      level,
      msg: redactText(msg, this.core.secrets),
      scope: this.scope,
    };
    if (fields) record.fields = redactValue(fields, this.core.secrets) as Record<string, unknown>;
    for (const sink of this.core.sinks) sink(record);
  }
}

/** ` key=value …` for a record's fields ('' without fields): strings bare, anything else as JSON. */
export function formatLogFields(fields: Record<string, unknown> | undefined): string {
  return fields ? ' ' + Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
}

/** One human-readable line: `2026-… INFO  [poller] message key=value`. */
export function formatLogLine(record: LogRecord): string {
  return `${record.time} ${record.level.toUpperCase().padEnd(5)} [${record.scope}] ${record.msg}${formatLogFields(record.fields)}`;
}

export function formatLogJson(record: LogRecord): string {
  return JSON.stringify({ time: record.time, level: record.level, scope: record.scope, msg: record.msg, ...record.fields });
}
