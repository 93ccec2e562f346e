/**
 * The web UI of `mcp-tunnel run`, mounted on its health server: /ui (the
 * dashboard page), /ui/assets/* (its script and styles), /api/events (host →
 * app messages as server-sent events), /api/message (app → host messages),
 * /api/log-level (GET and PUT the live log level), /api/logs (recent log
 * records, filtered by level and text), /api/logs/export?minutes=N (the
 * diagnostics zip) and /api/trace/export (chosen trace entries as JSON), and
 * the codicon font the app's icons use (/ui/codicons/*).
 *
 * Every request to these paths is checked, in this order:
 *  - the server listens on loopback, or the operator allowed a wider bind
 *    (`--allow-remote-ui`, ALLOW_REMOTE_UI); otherwise 403 naming the flag;
 *  - `Host` is one of the names of this server (localhost, 127.0.0.1, [::1]
 *    or the bound address, with its port), against DNS rebinding;
 *  - `Origin`, when sent, is this server's own origin (`http://` + Host);
 *  - `Sec-Fetch-Site`, when the browser sends it, is `same-origin` or `none`
 *    (typed, bookmarked): another port of this machine is the same *site*, so
 *    neither SameSite cookies nor a GET (which carries no Origin) stop a page
 *    there. Only opening /ui itself is allowed from anywhere;
 *  - the per-process token: `?token=` on /ui (which sets an HttpOnly,
 *    SameSite=Strict cookie and redirects to the bare URL), the cookie, or
 *    `Authorization: Bearer TOKEN`.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { HealthBinding, HealthRoute } from '../engine/health';
import { isLogLevel, LOG_LEVELS, type Logger } from '../engine/log';
import { ExportWindowError, parseExportMinutes, type SupportBundle } from '../engine/supportBundle';
import { parseWebviewMessage, type HostMessage } from '../../webview/protocol';
import type { DaemonDashboard } from './daemonDashboard';
import type { LogRing } from './logRing';

export const TOKEN_COOKIE = 'mcp_tunnel_ui';
const MAX_BODY = 1 << 20;
const ASSETS: Record<string, string> = { 'webui.js': 'text/javascript; charset=utf-8', 'webui.css': 'text/css; charset=utf-8' };
const CODICONS: Record<string, string> = { 'codicon.css': 'text/css; charset=utf-8', 'codicon.ttf': 'font/ttf' };

export interface WebUiOptions {
  logs: LogRing;
  logger: Logger;
  /** Serve beyond loopback (`--allow-remote-ui`). */
  allowRemote: boolean;
  /** The folder holding webui.js and webui.css (dist/webview). */
  assetsDir: string;
  /** The folder holding codicon.css and codicon.ttf (dist/codicons). */
  codiconsDir: string;
  /** Builds the diagnostics zip of the last `minutes` minutes. */
  exportBundle(minutes: number): Promise<SupportBundle>;
  title: string;
  /** The token; a fresh random one by default. */
  token?: string;
  /** Called once the server listens, with the ready-to-open URL (token included) or, when refused, undefined. */
  onBound?(url: string | undefined, binding: HealthBinding): void | Promise<void>;
}

export class WebUiServer implements HealthRoute {
  readonly token: string;
  private binding: HealthBinding | undefined;
  private readonly assets = new Map<string, Buffer>();
  private dashboardHost: DaemonDashboard | undefined;

  constructor(private readonly options: WebUiOptions) {
    this.token = options.token ?? randomBytes(32).toString('base64url');
  }

  /** The host role, once the engine exists (before it starts). */
  attach(dashboard: DaemonDashboard): void {
    this.dashboardHost = dashboard;
  }

  private get dashboard(): DaemonDashboard {
    if (!this.dashboardHost) throw new Error('the web UI has no engine attached');
    return this.dashboardHost;
  }

  owns(p: string): boolean {
    return p === '/ui' || p.startsWith('/ui/') || p === '/api' || p.startsWith('/api/');
  }

  /** `http://host:port/ui?token=…` once bound. */
  get url(): string | undefined {
    return this.binding && `${this.binding.url}/ui?token=${encodeURIComponent(this.token)}`;
  }

  async bound(binding: HealthBinding): Promise<void> {
    this.binding = binding;
    const served = binding.loopback || this.options.allowRemote;
    if (!served) {
      this.options.logger.warn(`web UI off: the health server is bound to ${binding.address}, beyond loopback; pass --allow-remote-ui (ALLOW_REMOTE_UI=true) to serve /ui there`);
    } else if (!binding.loopback) {
      this.options.logger.warn(`web UI served beyond loopback on ${binding.address} (--allow-remote-ui): anyone who can reach it and holds the token can call the MCP server's tools`);
    }
    await this.options.onBound?.(served ? this.url : undefined, binding);
  }

  handle(req: IncomingMessage, res: ServerResponse, p: string): void {
    void this.route(req, res, p).catch((err: Error) => {
      this.options.logger.error(`web UI: ${req.method} ${p} failed: ${err.message}`);
      if (!res.headersSent) text(res, 500, 'internal error\n');
      else res.end();
    });
  }

  private refusal(req: IncomingMessage): { status: number; message: string } | undefined {
    const b = this.binding;
    if (!b) return { status: 503, message: 'the web UI is starting\n' };
    if (!b.loopback && !this.options.allowRemote) {
      return { status: 403, message: `forbidden: the web UI answers only on a loopback health address; pass --allow-remote-ui (or ALLOW_REMOTE_UI=true) to serve it on ${b.address}\n` };
    }
    const host = (req.headers.host ?? '').toLowerCase();
    if (!b.hosts.has(host)) return { status: 403, message: `forbidden: Host must name this server (${[...b.hosts].join(', ')})\n` };
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${host}`) return { status: 403, message: 'forbidden: Origin is not this server\n' };
    const site = header(req, 'sec-fetch-site');
    const path = (req.url ?? '').split('?')[0];
    const opensPage = (path === '/ui' || path === '/ui/') && req.method === 'GET' && header(req, 'sec-fetch-mode') === 'navigate';
    if (site !== undefined && site !== 'same-origin' && site !== 'none' && !opensPage) return { status: 403, message: `forbidden: a request from another origin (Sec-Fetch-Site: ${site.slice(0, 20)})\n` };
    return undefined;
  }

  private authorized(req: IncomingMessage): boolean {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && this.matches(auth.slice(7).trim())) return true;
    return this.matches(cookie(req, TOKEN_COOKIE));
  }

  private matches(candidate: string | undefined): boolean {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async route(req: IncomingMessage, res: ServerResponse, p: string): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    const refused = this.refusal(req);
    if (refused) return text(res, refused.status, refused.message);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (p === '/ui' && req.method === 'GET' && url.searchParams.has('token')) {
      if (!this.matches(url.searchParams.get('token') ?? undefined)) return text(res, 401, 'unauthorized: the token in this URL is not the one of this process; open the URL from its startup log or the .ui file\n');
      const setCookie = `${TOKEN_COOKIE}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
      const site = header(req, 'sec-fetch-site');
      if (site === undefined || site === 'none' || site === 'same-origin') {
        res.writeHead(303, { Location: '/ui', 'Set-Cookie': setCookie }).end();
        return;
      }
      // Opened from another site (the --open-web-ui forwarding page is a file): a redirect would stay
      // cross-site and the browser would hold back the Strict cookie, so this page moves on by itself.
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Set-Cookie': setCookie, 'Content-Security-Policy': "default-src 'none'", 'X-Frame-Options': 'DENY' })
        .end('<!DOCTYPE html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/ui"><title>MCP Tunnel</title><a href="/ui">Open the dashboard</a>\n');
      return;
    }
    if (!this.authorized(req)) {
      return text(res, 401, 'unauthorized: open the web UI with the URL from the startup log (…/ui?token=…), or send Authorization: Bearer TOKEN\n');
    }
    if (p === '/ui' || p === '/ui/') return this.page(req, res);
    if (p.startsWith('/ui/assets/')) return this.asset(req, res, ASSETS, this.options.assetsDir, p.slice('/ui/assets/'.length));
    if (p.startsWith('/ui/codicons/')) return this.asset(req, res, CODICONS, this.options.codiconsDir, p.slice('/ui/codicons/'.length));
    switch (p) {
      case '/api/events':
        return this.events(req, res, url);
      case '/api/message':
        return this.message(req, res);
      case '/api/log-level':
        return this.logLevel(req, res);
      case '/api/logs':
        return this.logsQuery(req, res, url);
      case '/api/logs/export':
        return this.logsExport(req, res, url);
      case '/api/trace/export':
        return this.traceExport(req, res);
      default:
        return text(res, 404, 'not found: the web UI has /ui and /api/{events,message,log-level,logs,logs/export,trace/export}\n');
    }
  }

  private page(req: IncomingMessage, res: ServerResponse): void {
    if (!allow(req, res, 'GET, HEAD')) return;
    const csp = ["default-src 'none'", "script-src 'self'", "style-src 'self'", "font-src 'self'", "img-src 'self' data:", "connect-src 'self'", "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'"];
    const body = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="/ui/codicons/codicon.css">
<link rel="stylesheet" href="/ui/assets/webui.css">
<title>${escapeHtml(this.options.title)}</title>
</head>
<body class="web-ui">
<div id="app" aria-live="off"></div>
<script src="/ui/assets/webui.js"></script>
</body>
</html>
`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp.join('; '), 'X-Frame-Options': 'DENY' }).end(req.method === 'HEAD' ? undefined : body);
  }

  private asset(req: IncomingMessage, res: ServerResponse, types: Record<string, string>, dir: string, name: string): void {
    if (!allow(req, res, 'GET, HEAD')) return;
    const type = Object.hasOwn(types, name) ? types[name] : undefined;
    if (!type) return text(res, 404, 'not found\n');
    const file = path.join(dir, name);
    let body = this.assets.get(file);
    if (!body) {
      try {
        body = readFileSync(file);
      } catch {
        return text(res, 404, `not found: ${name} is missing from ${dir} (build with npm run build)\n`);
      }
      this.assets.set(file, body);
    }
    res.writeHead(200, { 'Content-Type': type }).end(req.method === 'HEAD' ? undefined : body);
  }

  private events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!allow(req, res, 'GET')) return;
    const id = url.searchParams.get('client') || randomUUID();
    if (id.length > 64) return text(res, 400, 'client id too long\n');
    res.writeHead(200, { 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.write(': mcp-tunnel web UI\n\n');
    const send = (message: HostMessage) => res.write(`data: ${JSON.stringify(message)}\n\n`);
    this.dashboard.connect(id, { send });
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    ping.unref();
    req.on('close', () => {
      clearInterval(ping);
      this.dashboard.disconnect(id);
    });
  }

  private async message(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allow(req, res, 'POST')) return;
    const id = header(req, 'x-dashboard-client');
    const body = await readJson(req, res);
    if (body === undefined) return;
    const message = parseWebviewMessage(body);
    if (!message) return text(res, 400, 'bad request: not a message of the dashboard protocol\n');
    if (!id || !(await this.dashboard.handle(id, message))) return text(res, 409, 'no event stream for this client: open /api/events?client=ID first and send X-Dashboard-Client: ID\n');
    res.writeHead(204).end();
  }

  private async logLevel(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = () => json(res, 200, { level: this.options.logger.level, supported_levels: [...LOG_LEVELS] });
    if (req.method === 'GET') return reply();
    if (req.method !== 'PUT') {
      res.setHeader('Allow', 'GET, PUT');
      return text(res, 405, 'method not allowed\n');
    }
    const body = await readJson(req, res);
    if (body === undefined) return;
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((k) => k !== 'level')) {
      return text(res, 400, 'decode request: the body must be one JSON object {"level": "debug|info|warn|error"}\n');
    }
    const raw = (body as { level?: unknown }).level;
    const level = typeof raw === 'string' ? raw.trim().toLowerCase() : raw;
    if (!isLogLevel(level)) return text(res, 400, `unsupported log level ${JSON.stringify(raw)} (expected one of: ${LOG_LEVELS.join(', ')})\n`);
    this.dashboard.setLogLevel(level);
    return reply();
  }

  private logsQuery(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (!allow(req, res, 'GET')) return;
    const level = url.searchParams.get('level') ?? undefined;
    if (level !== undefined && !isLogLevel(level)) return text(res, 400, `unsupported log level "${level.slice(0, 20)}" (expected one of: ${LOG_LEVELS.join(', ')})\n`);
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? undefined : Number(limitText);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) return text(res, 400, 'limit must be a positive whole number\n');
    json(res, 200, { logs: this.options.logs.query({ level, text: url.searchParams.get('q') ?? undefined, limit }) });
  }

  private async logsExport(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!allow(req, res, 'GET')) return;
    let minutes: number;
    try {
      minutes = parseExportMinutes(url.searchParams.get('minutes'));
    } catch (err) {
      if (err instanceof ExportWindowError) return text(res, 400, `bad request: ${err.message}\n`);
      throw err;
    }
    const bundle = await this.options.exportBundle(minutes);
    this.options.logger.info('diagnostics bundle exported', { minutes, files: bundle.files.length, bytes: bundle.bytes.length });
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': attachment(bundle.fileName), 'Content-Length': bundle.bytes.length }).end(bundle.bytes);
  }

  private async traceExport(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allow(req, res, 'POST')) return;
    const body = await readJson(req, res);
    if (body === undefined) return;
    const keys = (body as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || !keys.every((k) => Number.isInteger(k))) return text(res, 400, 'bad request: send {"keys": [1, 2, …]}, the keys of the trace rows to export\n');
    const file = this.dashboard.traceExport(keys as number[]);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Disposition': attachment(file.fileName) }).end(file.text);
  }
}

/** `attachment; filename="…"` for a name this process made (letters, digits, - _ .). */
function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`;
}

function allow(req: IncomingMessage, res: ServerResponse, methods: string): boolean {
  if (methods.split(', ').includes(req.method ?? '')) return true;
  res.setHeader('Allow', methods);
  text(res, 405, 'method not allowed\n');
  return false;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body) + '\n');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The JSON body (at most 1 MiB), or undefined once a 400/413/415 was sent. */
async function readJson(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    text(res, 415, 'unsupported media type: send Content-Type: application/json\n');
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) {
      text(res, 413, 'request body too large (1 MiB at most)\n');
      return undefined;
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch (err) {
    text(res, 400, `decode request: ${(err as Error).message}\n`);
    return undefined;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
