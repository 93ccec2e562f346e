/** Trace entries as the dashboard's table rows: no payloads, a key, and a short preview of the params for the text filter. */
import type { TraceEntry } from '../engine/trace';
import type { TraceRow } from '../../webview/protocol';

const PREVIEW_CHARS = 240;

export function toRow(entry: TraceEntry, key: number): TraceRow {
  const { request, response: _response, notificationPayloads: _notifications, ...rest } = entry;
  const row: TraceRow = { ...rest, key, captured: request !== undefined };
  const params = (request as { params?: unknown } | undefined)?.params;
  if (params !== undefined) {
    try {
      row.preview = JSON.stringify(params).slice(0, PREVIEW_CHARS);
    } catch {
      // Not JSON-serializable: no preview.
    }
  }
  return row;
}

/**
 * Stable keys for the entries of one profile's trace, increasing in arrival
 * order, and the floor below which "Clear" hides them.
 */
export class TraceKeys {
  private readonly keys = new WeakMap<TraceEntry, number>();
  private readonly rows = new WeakMap<TraceEntry, TraceRow>();
  private next = 1;
  private floor = 0;

  keyOf(entry: TraceEntry): number {
    let key = this.keys.get(entry);
    if (key === undefined) {
      key = this.next++;
      this.keys.set(entry, key);
    }
    return key;
  }

  rowOf(entry: TraceEntry): TraceRow {
    let row = this.rows.get(entry);
    if (!row) {
      row = toRow(entry, this.keyOf(entry));
      this.rows.set(entry, row);
    }
    return row;
  }

  /** Hides every entry keyed so far. */
  clear(): void {
    this.floor = this.next - 1;
  }

  visible(entry: TraceEntry): boolean {
    return this.keyOf(entry) > this.floor;
  }

  /** The entry with `key`, searching from the newest (where the dashboard's own calls are). */
  find(entries: readonly TraceEntry[], key: number): TraceEntry | undefined {
    for (let i = entries.length - 1; i >= 0; i--) {
      const k = this.keys.get(entries[i]!);
      if (k === key) return entries[i];
      if (k !== undefined && k < key) return undefined;
    }
    return undefined;
  }
}

/** "Export as JSON" of the trace table, the same file from both hosts: the chosen entries, payloads as captured (already redacted). */
export function traceExport(profile: string, entries: readonly TraceEntry[], keys: TraceKeys, wanted: readonly number[], now = new Date()): { fileName: string; text: string; count: number } {
  const chosen = new Set(wanted);
  const picked = entries.filter((e) => chosen.has(keys.keyOf(e)));
  const stamp = now.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return {
    fileName: `mcp-tunnel-trace-${profile.replace(/[^\w.-]+/g, '_')}-${stamp}.json`,
    text: JSON.stringify({ profile, exportedAt: now.toISOString(), entries: picked }, null, 2) + '\n',
    count: picked.length,
  };
}
