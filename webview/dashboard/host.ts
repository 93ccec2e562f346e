/**
 * The app's one tie to the host it runs in: typed messages out, host messages
 * in, and a place to keep the UI state. Each build entry installs one adapter
 * (`vscode.ts` in the editor's webview, `httpHost.ts` in the daemon's /ui)
 * before it renders; nothing else in the app knows which host it runs in.
 */
import type { WebviewMessage } from '../protocol';
import { defaultState, type UiState } from './state';

export interface DashboardHost {
  /** Sends one message to the host. */
  post(message: WebviewMessage): void;
  /** Calls `listener` with every message the host sends (unchecked: the store parses it). */
  listen(listener: (data: unknown) => void): void;
  getState(): unknown;
  setState(state: unknown): void;
}

let host: DashboardHost | undefined;

export function installHost(adapter: DashboardHost): void {
  host = adapter;
}

function current(): DashboardHost {
  if (!host) throw new Error('no dashboard host installed: the build entry installs one before rendering');
  return host;
}

export function post(message: WebviewMessage): void {
  current().post(message);
}

export function listen(listener: (data: unknown) => void): void {
  current().listen(listener);
}

export function loadState(): UiState {
  const saved = current().getState();
  return typeof saved === 'object' && saved !== null ? { ...defaultState(), ...(saved as Partial<UiState>) } : defaultState();
}

export function saveState(state: UiState): void {
  current().setState(state);
}
