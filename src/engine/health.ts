/**
 * /healthz, /readyz and /metrics. On a loopback address every request must
 * name that address in its Host, so a web page cannot reach the server
 * through DNS rebinding. Bound beyond loopback (`:8080`, `0.0.0.0:8080`), the
 * three probe routes answer any Host, since kubelet and Docker probes send
 * the pod IP or the container name; every other path keeps the Host guard.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFile, rename } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import type { Logger } from './log';
import { listenOn } from './net';

export interface Readiness {
  ready: boolean;
  /** One line saying why not ready. */
  reason: string;
}

/** Where the server listens, for a mounted route's own checks. */
export interface HealthBinding {
  url: string;
  /** The Host header values that name this server (loopback names, or the bound address). */
  hosts: ReadonlySet<string>;
  loopback: boolean;
  /** The address as bound, e.g. `127.0.0.1:8080` or `0.0.0.0:8080`. */
  address: string;
}

/**
 * More paths on the same server (the web UI). A route owns its paths
 * entirely, methods and checks included: the Host guard below does not run
 * for them, so the route must run its own.
 */
export interface HealthRoute {
  owns(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Called once the server listens. */
  bound?(binding: HealthBinding): void | Promise<void>;
}

/** Routes a probe may reach from any Host once the server is bound beyond loopback. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export class HealthServer {
  private server: Server | undefined;
  private allowedHosts = new Set<string>();
  /** Bound beyond loopback: the probe routes skip the Host guard. */
  private probesFromAnyHost = false;
  url = '';

  constructor(
    private readonly listenAddr: string,
    private readonly readiness: () => Readiness,
    private readonly registry: Registry,
    private readonly logger: Logger,
    private readonly urlFile?: string,
    private readonly setting = 'health listen address',
    private readonly routes: readonly HealthRoute[] = [],
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    const bound = await listenOn(server, this.listenAddr, this.setting, 'all');
    this.server = server;
    this.url = bound.url;
    this.allowedHosts = bound.hosts;
    this.probesFromAnyHost = !bound.loopback;
    if (this.urlFile) {
      // Written atomically with owner-only permissions once the port is known.
      const tmp = `${this.urlFile}.${process.pid}.tmp`;
      await writeFile(tmp, `${this.url}\n`, { mode: 0o600 });
      await rename(tmp, this.urlFile);
    }
    this.logger.info('health server listening', { url: this.url, address: bound.address });
    for (const route of this.routes) await route.bound?.({ url: bound.url, hosts: bound.hosts, loopback: bound.loopback, address: bound.address });
    if (!bound.loopback) {
      const where = bound.wide ? `every interface (${bound.address})` : bound.address;
      this.logger.warn(
        `health server bound to ${where}, as ${this.setting} asks: /healthz, /readyz and /metrics answer probes from any Host; ` +
          `every other path only requests whose Host is ${[...bound.hosts].join(', ')}`,
      );
    }
    return this.url;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = this.routes.find((r) => r.owns(path));
    if (route) {
      route.handle(req, res, path);
      return;
    }
    const host = (req.headers.host ?? '').toLowerCase();
    if (!(this.probesFromAnyHost && PROBE_PATHS.has(path)) && !this.allowedHosts.has(host)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden: Host must be the loopback address this server is bound to\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    switch (path) {
      case '/healthz':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz': {
        const r = this.readiness();
        res.writeHead(r.ready ? 200 : 503, { 'Content-Type': 'text/plain' }).end(`${r.reason}\n`);
        return;
      }
      case '/metrics': {
        try {
          const body = await this.registry.metrics();
          res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(body);
        } catch (err) {
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
          this.logger.error(`metrics rendering failed: ${(err as Error).message}`);
        }
        return;
      }
      default:
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /healthz, /readyz or /metrics\n');
    }
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
