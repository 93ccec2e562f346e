/** What the webview remembers across hide/show and window reloads (getState/setState); the host reads `profile` to restore the panel. */
import type { LogLevel, PersistedDashboardState } from '../protocol';
import { EMPTY_FILTER, type TraceFilter } from '../model/traceFilter';
import type { FormValues } from '../model/schemaForm';

export const TABS = ['health', 'metrics', 'trace', 'tools', 'logs'] as const;
export type Tab = (typeof TABS)[number];
export type ToolsView = 'tools' | 'resources' | 'prompts';

export interface UiState extends PersistedDashboardState {
  tab: Tab;
  traceFilter: TraceFilter;
  selectedKey?: number;
  paused: boolean;
  toolsView: ToolsView;
  selectedTool?: string;
  toolFilter: string;
  /** Form values per tool name, so a half-filled form survives a reload. */
  toolValues: Record<string, FormValues>;
  logShowLevel: LogLevel;
  logText: string;
}

export function defaultState(): UiState {
  return {
    profile: '',
    tab: 'health',
    traceFilter: { ...EMPTY_FILTER },
    paused: false,
    toolsView: 'tools',
    toolFilter: '',
    toolValues: {},
    logShowLevel: 'debug',
    logText: '',
  };
}
