/** The dashboard: a header with the state, tabs for the five sections, and the UI state kept with setState. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Health, StateBadge } from './Health';
import { Logs } from './Logs';
import { Metrics } from './Metrics';
import { TABS, type Tab, type UiState } from './state';
import type { DashboardStore } from './store';
import { Tools } from './Tools';
import { Trace } from './Trace';
import type { HealthView, TunnelAction } from '../protocol';
import { loadState, post, saveState } from './host';

const TAB_LABELS: Record<Tab, { label: string; icon: string }> = {
  health: { label: 'Health', icon: 'pulse' },
  metrics: { label: 'Metrics', icon: 'graph-line' },
  trace: { label: 'Trace', icon: 'list-flat' },
  tools: { label: 'Tools', icon: 'tools' },
  logs: { label: 'Logs', icon: 'output' },
};

/**
 * Start, or Restart and Stop, as the palette runs them (the host runs the
 * same commands, with their progress and messages). Nothing is offered
 * before the first state arrives, or for a profile that cannot run.
 */
function TunnelButtons({ health }: { health: HealthView | undefined }) {
  if (!health || health.state === 'invalid') return null;
  const run = (action: TunnelAction) => post({ type: 'tunnel', action });
  return (
    <span class="header-actions" role="group" aria-label="Tunnel">
      {health.running ? (
        <>
          <button type="button" class="secondary small" onClick={() => run('restart')} title="Restart Tunnel">
            <span class="codicon codicon-debug-restart" aria-hidden="true" /> Restart
          </button>
          <button type="button" class="secondary small" onClick={() => run('stop')} title="Stop Tunnel">
            <span class="codicon codicon-debug-stop" aria-hidden="true" /> Stop
          </button>
        </>
      ) : (
        <button type="button" class="small" onClick={() => run('start')} title="Start Tunnel">
          <span class="codicon codicon-play" aria-hidden="true" /> Start
        </button>
      )}
    </span>
  );
}

function useStore(store: DashboardStore): void {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion((v) => v + 1)), [store]);
}

export function App({ store }: { store: DashboardStore }) {
  useStore(store);
  const [ui, setUi] = useState<UiState>(loadState);
  const tabs = useRef<(HTMLButtonElement | null)[]>([]);
  const update = (patch: Partial<UiState>) =>
    setUi((current) => {
      const next = { ...current, ...patch };
      saveState(next);
      return next;
    });

  // The host reads the profile back from the saved state to restore the panel after a reload.
  useEffect(() => {
    if (store.profile && store.profile !== ui.profile) update({ profile: store.profile });
  }, [store.profile]);

  useEffect(() => {
    store.setPaused(ui.paused);
  }, []);

  const onTabKey = (e: KeyboardEvent, index: number) => {
    let next: number | undefined;
    if (e.key === 'ArrowRight') next = (index + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next === undefined) return;
    e.preventDefault();
    update({ tab: TABS[next] });
    tabs.current[next]?.focus();
  };

  const problems = store.trace.rows().reduce((n, r) => n + (r.outcome === 'ok' ? 0 : 1), 0);
  return (
    <div class="app">
      <header class="header">
        <h1>MCP Tunnel: {store.profile || ui.profile || '…'}</h1>
        <StateBadge health={store.health} />
        {store.tunnelControls && <TunnelButtons health={store.health} />}
      </header>
      <nav class="tabs" role="tablist" aria-label="Dashboard sections">
        {TABS.map((tab, i) => (
          <button
            key={tab}
            ref={(el) => {
              tabs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${tab}`}
            aria-selected={ui.tab === tab}
            aria-controls={`panel-${tab}`}
            tabIndex={ui.tab === tab ? 0 : -1}
            class={ui.tab === tab ? 'tab on' : 'tab'}
            onClick={() => update({ tab })}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            <span class={`codicon codicon-${TAB_LABELS[tab].icon}`} aria-hidden="true" />
            <span class="tab-label">{TAB_LABELS[tab].label}</span>
            {tab === 'trace' && store.trace.size > 0 && (
              <span class="tab-count" title={`${store.trace.size} exchanges, ${problems} not ok`}>
                {store.trace.size}
              </span>
            )}
          </button>
        ))}
      </nav>
      <main class={`panel panel-${ui.tab}`} role="tabpanel" id={`panel-${ui.tab}`} aria-labelledby={`tab-${ui.tab}`}>
        {!store.loaded ? (
          <p class="muted">Loading…</p>
        ) : ui.tab === 'health' ? (
          <Health health={store.health} onCopyEndpoint={(what) => post({ type: 'copyEndpoint', what })} />
        ) : ui.tab === 'metrics' ? (
          <Metrics series={store.metrics} />
        ) : ui.tab === 'trace' ? (
          <Trace
            store={store}
            filter={ui.traceFilter}
            selectedKey={ui.selectedKey}
            onFilter={(traceFilter) => update({ traceFilter })}
            onSelect={(selectedKey) => update({ selectedKey })}
            onPause={(paused) => {
              store.setPaused(paused);
              update({ paused });
            }}
          />
        ) : ui.tab === 'tools' ? (
          <Tools
            store={store}
            view={ui.toolsView}
            selectedTool={ui.selectedTool}
            toolFilter={ui.toolFilter}
            toolValues={ui.toolValues}
            onView={(toolsView) => update({ toolsView })}
            onSelectTool={(selectedTool) => update({ selectedTool })}
            onToolFilter={(toolFilter) => update({ toolFilter })}
            onToolValues={(name, values) => update({ toolValues: { ...ui.toolValues, [name]: values } })}
            onShowTrace={(selectedKey) => update({ tab: 'trace', selectedKey, traceFilter: { method: '', outcome: '', session: '', text: '' } })}
          />
        ) : (
          <Logs logs={store.logs} engineLevel={store.logLevel} showLevel={ui.logShowLevel} text={ui.logText} onShowLevel={(logShowLevel) => update({ logShowLevel })} onText={(logText) => update({ logText })} />
        )}
      </main>
    </div>
  );
}
