/** The editor's host adapter: VS Code's webview API (postMessage, window messages, getState/setState). */
import type { DashboardHost } from './host';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function vscodeHost(): DashboardHost {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    listen: (listener) => window.addEventListener('message', (event: MessageEvent) => listener(event.data)),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
