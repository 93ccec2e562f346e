/**
 * The daemon's host adapter (`mcp-tunnel run`, page /ui): app → host messages
 * are POSTed to /api/message, host → app messages arrive as server-sent
 * events from /api/events, each one a message of the dashboard protocol. A
 * random client id ties the two together, so answers (snapshot, trace
 * details, MCP results) reach the tab that asked. The session cookie set by
 * /ui authenticates both; UI state lives in the tab's sessionStorage.
 *
 * What the editor does with a save dialog, the browser does as a download:
 * 'exportLogs' fetches the diagnostics zip (/api/logs/export), 'exportTrace'
 * the chosen trace entries (/api/trace/export).
 */
import type { WebviewMessage } from '../protocol';
import type { DashboardHost } from './host';

const STATE_KEY = 'mcp-tunnel-dashboard';

/** The file name a response's Content-Disposition gives, else `fallback`. */
function fileNameOf(response: Response, fallback: string): string {
  const match = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
  return match?.[1] ?? fallback;
}

/** Fetches `url` and hands the body to the browser as a download. */
async function download(base: string, url: string, init: RequestInit, fallback: string): Promise<void> {
  const response = await fetch(`${base}${url}`, { ...init, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${(await response.text()).trim()}`);
  const href = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = fileNameOf(response, fallback);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export function httpHost(base = ''): DashboardHost {
  const client = crypto.randomUUID();
  const listeners: ((data: unknown) => void)[] = [];
  let open = false;
  const queue: WebviewMessage[] = [];
  const warn = (err: Error) => console.warn(`MCP Tunnel dashboard: ${err.message}`);
  const send = (message: WebviewMessage) =>
    void fetch(`${base}/api/message`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Dashboard-Client': client },
      body: JSON.stringify(message),
      credentials: 'same-origin',
    }).catch((err: Error) => warn(new Error(`could not reach the daemon: ${err.message}`)));

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
      if (message.type === 'exportLogs') return void download(base, '/api/logs/export', {}, 'mcp-tunnel-diagnostics.zip').catch(warn);
      if (message.type === 'exportTrace') {
        const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ keys: message.keys }) };
        return void download(base, '/api/trace/export', init, 'mcp-tunnel-trace.json').catch(warn);
      }
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
