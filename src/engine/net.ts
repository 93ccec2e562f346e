/** Loopback addresses and listening sockets, shared by the health server and the relay. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `localhost`, `*.localhost`, 127.0.0.0/8 and ::1 (bracketed or not). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

/** host:port as the reference daemon accepts it (`[::1]:8080`; `:8080` leaves the host to the caller). */
export function parseListenAddr(addr: string): { host: string | undefined; port: number } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(addr.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return { host: host === '' ? undefined : host, port };
}

export interface Bound {
  port: number;
  /** Base URL clients use; a wildcard bind is reached through 127.0.0.1. */
  url: string;
  /** `host:port` values a request's Host header may carry (lowercase). */
  hosts: Set<string>;
}

/** Listens on `addr` (default host 127.0.0.1); `what` names the setting in errors. */
export async function listenOn(server: Server, addr: string, what: string): Promise<Bound> {
  const parsed = parseListenAddr(addr);
  if (!parsed) throw new Error(`${what} "${addr}" is not host:port: write it like 127.0.0.1:8080 (port 0 picks a free port)`);
  const host = parsed.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(parsed.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const hosts = new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `${urlHost}:${port}`].map((h) => h.toLowerCase()));
  return { port, url: `http://${urlHost}:${port}`, hosts };
}
