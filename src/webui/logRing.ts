/** The last log records of this process, for the web UI's Logs view and /api/logs, with listeners for new ones. */
import { LOG_LEVELS, type LogLevel, type LogRecord } from '../engine/log';
import { redactValue } from '../engine/redact';

export const LOG_RING_SIZE = 2000;

export class LogRing {
  private readonly records: LogRecord[] = [];
  private readonly listeners = new Set<(record: LogRecord) => void>();

  /** `secrets`: values that never leave this ring (the web UI's own token). */
  constructor(
    private readonly secrets: () => readonly string[] = () => [],
    private readonly size = LOG_RING_SIZE,
  ) {}

  push(record: LogRecord): void {
    const clean = redactValue(record, this.secrets()) as LogRecord;
    this.records.push(clean);
    if (this.records.length > this.size) this.records.splice(0, this.records.length - this.size);
    for (const l of this.listeners) l(clean);
  }

  subscribe(listener: (record: LogRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records at `level` or above whose text (message, scope, fields) holds `text`, the newest `limit`. */
  query(filter: { level?: LogLevel; text?: string; limit?: number } = {}): LogRecord[] {
    const min = filter.level ? LOG_LEVELS.indexOf(filter.level) : 0;
    const needle = filter.text?.toLowerCase();
    const out = this.records.filter((r) => {
      if (LOG_LEVELS.indexOf(r.level) < min) return false;
      if (!needle) return true;
      return `${r.scope} ${r.msg} ${r.fields ? JSON.stringify(r.fields) : ''}`.toLowerCase().includes(needle);
    });
    return filter.limit !== undefined ? out.slice(-filter.limit) : out;
  }
}
