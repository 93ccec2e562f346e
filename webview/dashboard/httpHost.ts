/**
 * The daemon's host adapter (`mcp-tunnel run`, page /ui): app → host messages
 * are POSTed to /api/message, host → app messages arrive as server-sent
 * events from /api/events, each one a message of the dashboard protocol. A
 * random client id ties the two together, so answers (snapshot, trace
 * details, MCP results) reach the tab that asked. The session cookie set by
 * /ui authenticates both; UI state lives in the tab's sessionStorage.
 */
import type { WebviewMessage } from '../protocol';
import type { DashboardHost } from './host';

const STATE_KEY = 'mcp-tunnel-dashboard';

export function httpHost(base = ''): DashboardHost {
  const client = crypto.randomUUID();
  const listeners: ((data: unknown) => void)[] = [];
  let open = false;
  const queue: WebviewMessage[] = [];
  const send = (message: WebviewMessage) =>
    void fetch(`${base}/api/message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Dashboard-Client': client },
      body: JSON.stringify(message),
      credentials: 'same-origin',
    }).catch((err: Error) => console.warn(`MCP Tunnel dashboard: could not reach the daemon: ${err.message}`));

  const events = new EventSource(`${base}/api/events?client=${encodeURIComponent(client)}`);
  events.addEventListener('open', () => {
    const wasOpen = open;
    open = true;
    // A reconnect (the daemon restarted its stream) asks for a fresh snapshot.
    if (wasOpen) send({ type: 'ready' });
    for (const m of queue.splice(0)) send(m);
  });
  events.addEventListener('message', (event: MessageEvent<string>) => {
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    for (const l of listeners) l(data);
  });
  events.addEventListener('error', () => {
    if (events.readyState === EventSource.CLOSED) open = false;
  });

  return {
    post: (message) => {
      if (open) send(message);
      else queue.push(message);
    },
    listen: (listener) => listeners.push(listener),
    getState: () => {
      try {
        return JSON.parse(sessionStorage.getItem(STATE_KEY) ?? 'null') as unknown;
      } catch {
        return undefined;
      }
    },
    setState: (state) => sessionStorage.setItem(STATE_KEY, JSON.stringify(state)),
  };
}
