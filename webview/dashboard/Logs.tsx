/** Logs: the tunnel's engine logs, live, with a display filter and the runtime level switch (the mcpTunnel.logLevel setting). */
import { useLayoutEffect, useRef } from 'preact/hooks';
import { LOG_LEVEL_NAMES, type LogLevel, type LogRecord } from '../protocol';
import { clock } from './format';
import { post } from './host';

const SHOWN = 1000;
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function line(r: LogRecord): string {
  const fields = r.fields ? ' ' + Object.entries(r.fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ') : '';
  return `${r.msg}${fields}`;
}

export function Logs({ logs, engineLevel, showLevel, text, onShowLevel, onText }: { logs: LogRecord[]; engineLevel: LogLevel; showLevel: LogLevel; text: string; onShowLevel(l: LogLevel): void; onText(t: string): void }) {
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const needle = text.trim().toLowerCase();
  const shown = logs.filter((r) => RANK[r.level] >= RANK[showLevel] && (!needle || `${r.scope} ${line(r)}`.toLowerCase().includes(needle))).slice(-SHOWN);
  useLayoutEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [shown.length, logs.length]);
  return (
    <div class="logs">
      <div class="toolbar" role="toolbar" aria-label="Log filters">
        <label class="field">
          <span>Show</span>
          <select value={showLevel} onChange={(e) => onShowLevel(e.currentTarget.value as LogLevel)}>
            {LOG_LEVEL_NAMES.map((l) => (
              <option key={l} value={l}>
                {l} and above
              </option>
            ))}
          </select>
        </label>
        <label class="field grow">
          <span>Text</span>
          <input type="search" value={text} placeholder="scope, message, field…" onInput={(e) => onText(e.currentTarget.value)} aria-label="Filter logs by text" />
        </label>
        <label class="field" title="The mcpTunnel.logLevel setting: what the tunnels log, applied at once to every running tunnel">
          <span>Log level</span>
          <select value={engineLevel} onChange={(e) => post({ type: 'setLogLevel', level: e.currentTarget.value as LogLevel })} aria-label="Runtime log level (mcpTunnel.logLevel)" data-testid="log-level">
            {LOG_LEVEL_NAMES.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <span class="count">
          {shown.length} of {logs.length}
        </span>
        <button
          type="button"
          class="secondary"
          onClick={() => post({ type: 'exportLogs' })}
          title="Save a zip of the last 30 minutes: logs, metrics, status, system and the configuration, secrets redacted"
          data-testid="export-logs"
        >
          <span class="codicon codicon-desktop-download" aria-hidden="true" /> Export logs
        </button>
      </div>
      <div
        class="log-lines"
        ref={box}
        tabIndex={0}
        role="log"
        aria-label="Engine logs"
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
        }}
      >
        {shown.length === 0 && <p class="muted">No log lines{logs.length ? ' match' : ' yet'}.</p>}
        {shown.map((r, i) => (
          <div key={`${r.time}-${i}`} class={`log lvl-${r.level}`}>
            <span class="log-time">{clock(r.time)}</span>
            <span class="log-level">{r.level.toUpperCase()}</span>
            <span class="log-scope">[{r.scope}]</span>
            <span class="log-msg">{line(r)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}
