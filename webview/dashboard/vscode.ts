/** The webview's only way out: typed messages to the host, and the UI state VS Code keeps for it. */
import type { WebviewMessage } from '../protocol';
import { defaultState, type UiState } from './state';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function post(message: WebviewMessage): void {
  api.postMessage(message);
}

export function loadState(): UiState {
  const saved = api.getState();
  return typeof saved === 'object' && saved !== null ? { ...defaultState(), ...(saved as Partial<UiState>) } : defaultState();
}

export function saveState(state: UiState): void {
  api.setState(state);
}
