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
  /** What was bound, as host:port (`0.0.0.0:8080` for every IPv4 interface). */
  address: string;
  /** Bound to a wildcard address: reachable from other machines, not only this one. */
  wide: boolean;
  /** Bound to a loopback address only: no other machine can connect. */
  loopback: boolean;
}

/** Why an address cannot be bound and what to do, in the words doctor and every listener use. */
export function listenProblem(code: string, addr: string, setting: string): { detail: string; fix: string } {
  const parsed = parseListenAddr(addr);
  const otherPort = `choose another port in ${setting} (port 0 picks a free one)`;
  switch (code) {
    case 'EINVAL':
      return { detail: `"${addr}" is not host:port`, fix: 'Write it like 127.0.0.1:8080 (port 0 picks a free port)' };
    case 'EADDRINUSE':
      return { detail: `${addr} is already in use`, fix: `Stop the process that holds it (another tunnel?), or ${otherPort}` };
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return { detail: `${parsed?.host ?? addr} is not an address of this machine`, fix: `Use 127.0.0.1, or an address this machine has, in ${setting}` };
    case 'EACCES':
      return { detail: `binding port ${parsed?.port ?? addr} needs privileges`, fix: `Use a port above 1023 in ${setting}` };
    default:
      return { detail: `cannot bind ${addr} (${code})`, fix: otherPort.charAt(0).toUpperCase() + otherPort.slice(1) };
  }
}

/** An address that cannot be bound; the message names the setting, the address and the fix. */
export class ListenError extends Error {
  constructor(
    readonly code: string,
    readonly addr: string,
    readonly setting: string,
  ) {
    const { detail, fix } = listenProblem(code, addr, setting);
    super(`${setting}: ${detail}. ${fix}`);
    this.name = 'ListenError';
  }
}

/**
 * Listens on `addr`. `setting` names the address the way the user wrote it
 * (`HEALTH_LISTEN_ADDR`, `--listen`) in errors. An address without a host
 * (`:8080`) binds 127.0.0.1, or every interface when `emptyHost` is 'all'
 * (the health server, whose `:8080` must answer container probes as the
 * reference daemon's does).
 */
export async function listenOn(server: Server, addr: string, setting: string, emptyHost: 'loopback' | 'all' = 'loopback'): Promise<Bound> {
  const parsed = parseListenAddr(addr);
  if (!parsed) throw new ListenError('EINVAL', addr, setting);
  // Without a host Node binds `::` (IPv4 too) where the machine has IPv6, else 0.0.0.0.
  const requested = parsed.host ?? (emptyHost === 'all' ? undefined : '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(new ListenError(typeof err.code === 'string' ? err.code : 'unknown error', addr, setting));
    server.once('error', fail);
    server.listen(parsed.port, requested, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const { port, address } = server.address() as AddressInfo;
  const host = requested ?? (address === '::' ? '::' : '0.0.0.0');
  const wide = host === '0.0.0.0' || host === '::';
  const urlHost = requested === undefined || host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  const hosts = new Set([`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `${urlHost}:${port}`].map((h) => h.toLowerCase()));
  return { port, url: `http://${urlHost}:${port}`, hosts, address: `${host.includes(':') ? `[${host}]` : host}:${port}`, wide, loopback: isLoopbackHost(host) };
}
