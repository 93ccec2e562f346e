/**
 * Trace: a virtualized table of JSON-RPC exchanges (only the rows in view are
 * in the DOM, so 10,000 scroll like 10), filters, pause, clear, export, and
 * the details of the selected row.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { methodOf, NO_SESSION, PROBLEMS, type TraceFilter } from '../model/traceFilter';
import { toolResult } from '../model/toolResult';
import type { TraceEntry, TraceRow } from '../protocol';
import { bytes, clock, ms } from './format';
import { JsonSection } from './JsonView';
import { ResultView } from './Result';
import type { DashboardStore, McpAnswer } from './store';
import { post } from './host';

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;
const OUTCOMES = ['ok', 'error', 'tool_error', 'failure', 'expired', 'gone', 'post_failed', 'cancelled'];

interface TraceProps {
  store: DashboardStore;
  filter: TraceFilter;
  selectedKey: number | undefined;
  onFilter(filter: TraceFilter): void;
  onSelect(key: number | undefined): void;
  onPause(paused: boolean): void;
}

function Toolbar({ store, filter, onFilter, onPause, shown }: { store: DashboardStore; filter: TraceFilter; onFilter(f: TraceFilter): void; onPause(p: boolean): void; shown: readonly TraceRow[] }) {
  const { methods, sessions } = store.trace.facets();
  const set = (patch: Partial<TraceFilter>) => onFilter({ ...filter, ...patch });
  const paused = store.trace.isPaused;
  return (
    <div class="toolbar" role="toolbar" aria-label="Trace filters and actions">
      <label class="field">
        <span>Method</span>
        <select value={filter.method} onChange={(e) => set({ method: e.currentTarget.value })}>
          <option value="">any</option>
          {methods.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
          {filter.method && !methods.includes(filter.method) && <option value={filter.method}>{filter.method}</option>}
        </select>
      </label>
      <label class="field">
        <span>Outcome</span>
        <select value={filter.outcome} onChange={(e) => set({ outcome: e.currentTarget.value })}>
          <option value="">any</option>
          <option value={PROBLEMS}>not ok</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Session</span>
        <select value={filter.session} onChange={(e) => set({ session: e.currentTarget.value })}>
          <option value="">any</option>
          <option value={NO_SESSION}>no session</option>
          {sessions.map((s) => (
            <option key={s} value={s}>
              {s.length > 14 ? `${s.slice(0, 12)}…` : s}
            </option>
          ))}
          {filter.session && filter.session !== NO_SESSION && !sessions.includes(filter.session) && <option value={filter.session}>{filter.session}</option>}
        </select>
      </label>
      <label class="field grow">
        <span>Text</span>
        <input type="search" placeholder="tool, id, session, params…" value={filter.text} onInput={(e) => set({ text: e.currentTarget.value })} aria-label="Filter by text" />
      </label>
      <div class="actions">
        <button type="button" class="icon-button" onClick={() => onPause(!paused)} aria-pressed={paused} title={paused ? 'Resume' : 'Pause'} aria-label={paused ? 'Resume the trace' : 'Pause the trace'}>
          <span class={`codicon codicon-${paused ? 'debug-start' : 'debug-pause'}`} aria-hidden="true" />
        </button>
        <button type="button" class="icon-button" onClick={() => store.clearTrace()} title="Clear" aria-label="Clear the trace">
          <span class="codicon codicon-clear-all" aria-hidden="true" />
        </button>
        <button type="button" class="icon-button" onClick={() => post({ type: 'exportTrace', keys: shown.map((r) => r.key) })} title="Export as JSON" aria-label="Export the shown rows as JSON" disabled={!shown.length}>
          <span class="codicon codicon-save" aria-hidden="true" />
        </button>
      </div>
      <span class="count" aria-live="polite">
        {shown.length === store.trace.size ? `${shown.length}` : `${shown.length} of ${store.trace.size}`} exchange{store.trace.size === 1 ? '' : 's'}
        {paused ? ` · paused${store.trace.pending ? `, ${store.trace.pending} new` : ''}` : ''}
      </span>
    </div>
  );
}

function Phases({ row }: { row: TraceRow }) {
  const { queuedMs, mcpMs, postMs } = row.phases;
  const total = Math.max(row.durationMs, queuedMs + mcpMs + postMs, 0.001);
  const pct = (v: number) => `${Math.max(0, (v / total) * 100)}%`;
  return (
    <span class="phases" title={`queued ${ms(queuedMs)} · MCP ${ms(mcpMs)} · post ${ms(postMs)}`} aria-hidden="true">
      <span class="ph-queued" style={{ width: pct(queuedMs) }} />
      <span class="ph-mcp" style={{ width: pct(mcpMs) }} />
      <span class="ph-post" style={{ width: pct(postMs) }} />
    </span>
  );
}

function Row({ row, index, selected, onSelect }: { row: TraceRow; index: number; selected: boolean; onSelect(key: number): void }) {
  const id = row.jsonrpcId === undefined || row.jsonrpcId === null ? '' : String(row.jsonrpcId);
  return (
    <div
      id={`trace-row-${row.key}`}
      class={`tr${selected ? ' selected' : ''} out-${row.outcome}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)` }}
      onClick={() => onSelect(row.key)}
    >
      <span role="gridcell" class="c-time">{clock(row.receivedAt)}</span>
      <span role="gridcell" class="c-session" title={row.sessionId}>{row.sessionId ? row.sessionId.slice(0, 8) : ''}</span>
      <span role="gridcell" class="c-method">
        {row.origin === 'local' && <span class="codicon codicon-person" title="Called from this dashboard" aria-label="local" />}
        {methodOf(row)}
      </span>
      <span role="gridcell" class="c-tool" title={row.toolName}>{row.toolName ?? ''}</span>
      <span role="gridcell" class="c-id">{id}</span>
      <span role="gridcell" class="c-dur">
        <Phases row={row} />
        {ms(row.durationMs)}
      </span>
      <span role="gridcell" class="c-outcome">
        <span class={`pill out-${row.outcome}`}>{row.outcome}</span>
      </span>
      <span role="gridcell" class="c-bytes">{row.bytesIn || row.bytesOut ? `${bytes(row.bytesIn)} / ${bytes(row.bytesOut)}` : '—'}</span>
    </div>
  );
}

function Table({ rows, selectedKey, onSelect, onOpen }: { rows: readonly TraceRow[]; selectedKey: number | undefined; onSelect(key: number): void; onOpen(): void }) {
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const follow = useRef(true);
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = body.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // New rows at the bottom: keep following them while the view is at the bottom.
  useLayoutEffect(() => {
    const el = body.current;
    if (el && follow.current) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [rows.length]);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = body.current;
      if (!el) return;
      follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW_HEIGHT;
      setScrollTop(el.scrollTop);
    });
  };

  const selectedIndex = useMemo(() => (selectedKey === undefined ? -1 : rows.findIndex((r) => r.key === selectedKey)), [rows, selectedKey]);

  const reveal = (index: number) => {
    const el = body.current;
    if (!el) return;
    const top = index * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (!rows.length) return;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const at = selectedIndex < 0 ? rows.length : selectedIndex;
    let next: number | undefined;
    switch (e.key) {
      case 'ArrowDown':
        next = Math.min(rows.length - 1, selectedIndex < 0 ? 0 : at + 1);
        break;
      case 'ArrowUp':
        next = Math.max(0, at - 1);
        break;
      case 'PageDown':
        next = Math.min(rows.length - 1, at + page);
        break;
      case 'PageUp':
        next = Math.max(0, at - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = rows.length - 1;
        break;
      case 'Enter':
        if (selectedIndex >= 0) onOpen();
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    reveal(next);
    onSelect(rows[next]!.key);
  };

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  const visible = rows.slice(first, last);

  return (
    <div class="table" role="grid" aria-label="JSON-RPC exchanges" aria-rowcount={rows.length + 1} aria-readonly="true">
      <div class="tr th" role="row" aria-rowindex={1}>
        <span role="columnheader" class="c-time">Time</span>
        <span role="columnheader" class="c-session">Session</span>
        <span role="columnheader" class="c-method">Method</span>
        <span role="columnheader" class="c-tool">Tool</span>
        <span role="columnheader" class="c-id">ID</span>
        <span role="columnheader" class="c-dur">Duration</span>
        <span role="columnheader" class="c-outcome">Outcome</span>
        <span role="columnheader" class="c-bytes">Bytes in / out</span>
      </div>
      <div
        class="tbody"
        ref={body}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        aria-activedescendant={selectedKey !== undefined && selectedIndex >= first && selectedIndex < last ? `trace-row-${selectedKey}` : undefined}
        aria-label="Exchanges: arrow keys move, Enter opens the details"
      >
        <div class="tspacer" style={{ height: `${rows.length * ROW_HEIGHT}px` }}>
          {visible.map((row, i) => (
            <Row key={row.key} row={row} index={first + i} selected={row.key === selectedKey} onSelect={onSelect} />
          ))}
        </div>
        {!rows.length && <p class="empty muted">No exchanges yet. Calls through the tunnel and from the Tools tab show up here.</p>}
      </div>
    </div>
  );
}

function Details({ store, row, detailsRef }: { store: DashboardStore; row: TraceRow; detailsRef: preact.RefObject<HTMLDivElement> }) {
  const detail = store.details.get(row.key);
  const entry: TraceEntry | undefined = typeof detail === 'object' ? detail : undefined;
  const [replay, setReplay] = useState<{ key: number; answer?: McpAnswer; busy: boolean } | undefined>();
  useEffect(() => store.loadDetail(row.key), [row.key]);
  const response = entry?.response as { error?: unknown; result?: unknown } | undefined;
  const replayed = replay?.key === row.key ? replay : undefined;
  const canReplay = row.captured && row.method !== undefined && row.commandType === 'jsonrpc';
  return (
    <div class="details" ref={detailsRef} tabIndex={-1} role="region" aria-label={`Details of ${methodOf(row)}`}>
      <div class="details-head">
        <h3>
          {methodOf(row)}
          {row.toolName ? ` · ${row.toolName}` : ''}
        </h3>
        <span class={`pill out-${row.outcome}`}>{row.outcome}</span>
        {row.origin === 'local' && <span class="pill">from this dashboard</span>}
      </div>
      <dl class="facts">
        <dt>Received</dt>
        <dd>{new Date(row.receivedAt).toISOString()}</dd>
        <dt>Request id</dt>
        <dd>
          <code>{row.requestId}</code>
        </dd>
        <dt>JSON-RPC id</dt>
        <dd>{row.jsonrpcId === undefined ? '—' : JSON.stringify(row.jsonrpcId)}</dd>
        <dt>Session</dt>
        <dd>{row.sessionId ?? '—'}</dd>
        <dt>Channel</dt>
        <dd>{row.channel}</dd>
        <dt>Duration</dt>
        <dd>
          {ms(row.durationMs)}: queued {ms(row.phases.queuedMs)}, MCP {ms(row.phases.mcpMs)}, post {ms(row.phases.postMs)}
        </dd>
        {row.respCode !== undefined && (
          <>
            <dt>Status</dt>
            <dd>{row.respCode}</dd>
          </>
        )}
        <dt>Notifications</dt>
        <dd>{row.notifications}</dd>
        {row.errorCode !== undefined && (
          <>
            <dt>Error code</dt>
            <dd>{row.errorCode}</dd>
          </>
        )}
      </dl>
      <div class="buttons">
        <button
          type="button"
          disabled={!canReplay || replayed?.busy}
          title={canReplay ? 'Send this request again to the MCP server' : 'Only captured requests can be replayed'}
          onClick={async () => {
            setReplay({ key: row.key, busy: true });
            const answer = await store.request({ method: 'replay', key: row.key });
            setReplay({ key: row.key, answer, busy: false });
          }}
        >
          <span class="codicon codicon-debug-rerun" aria-hidden="true" /> Replay
        </button>
        {store.loopbackUrl && (
          <button type="button" class="secondary" disabled={!row.captured} onClick={() => post({ type: 'copyCurl', key: row.key })} title={`curl against ${store.loopbackUrl}`}>
            <span class="codicon codicon-terminal" aria-hidden="true" /> Copy as curl
          </button>
        )}
      </div>
      {replayed?.answer && (
        <div class="replay" role="region" aria-label="Replay result">
          <h4>Replay</h4>
          {replayed.answer.error ? (
            <p class="error-text">{replayed.answer.error}</p>
          ) : row.method === 'tools/call' && typeof replayed.answer.result === 'object' && replayed.answer.result && 'result' in replayed.answer.result ? (
            <ResultView result={toolResult((replayed.answer.result as { result: unknown }).result)} store={store} />
          ) : (
            <JsonSection title="Answer" value={replayed.answer.result} />
          )}
        </div>
      )}
      {detail === 'loading' && <p class="muted">Loading…</p>}
      {detail === 'gone' && <p class="muted">This exchange is no longer kept.</p>}
      {entry && !row.captured && <p class="muted">Payloads were not captured for this exchange (setting mcpTunnel.trace.capturePayloads).</p>}
      {entry?.request !== undefined && <JsonSection title="Request" value={entry.request} />}
      {entry?.notificationPayloads && entry.notificationPayloads.length > 0 && <JsonSection title={`Notifications (${entry.notificationPayloads.length})`} value={entry.notificationPayloads} open={false} />}
      {response !== undefined && <JsonSection title={response.error !== undefined ? 'Error' : 'Response'} value={response} />}
      {entry?.failure && <JsonSection title="Tunnel failure" value={entry.failure} />}
      {entry?.respHeaders && Object.keys(entry.respHeaders).length > 0 && <JsonSection title="Response headers (allowlisted)" value={entry.respHeaders} open={false} />}
    </div>
  );
}

export function Trace({ store, filter, selectedKey, onFilter, onSelect, onPause }: TraceProps) {
  const rows = store.trace.filtered(filter);
  const selected = selectedKey === undefined ? undefined : store.trace.find(selectedKey);
  const detailsRef = useRef<HTMLDivElement>(null);
  return (
    <div class="trace">
      <Toolbar store={store} filter={filter} onFilter={onFilter} onPause={onPause} shown={rows} />
      <div class={`trace-split${selected ? ' with-details' : ''}`}>
        <Table rows={rows} selectedKey={selectedKey} onSelect={onSelect} onOpen={() => detailsRef.current?.focus()} />
        {selected && <Details store={store} row={selected} detailsRef={detailsRef} />}
      </div>
    </div>
  );
}
