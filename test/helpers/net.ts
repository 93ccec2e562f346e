/** Loopback ports for the servers the tests, the benchmark and the real-editor suite start. */
import type { ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { sleep } from './wait';

/** Starts `server` on a free loopback port; resolves with the port. */
export async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on right now, for a server that takes its port as a flag or variable. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface WaitForPortOptions {
  /** The process that should listen: its exit ends the wait at once. */
  child?: Pick<ChildProcess, 'exitCode'>;
  /** What the process printed, for the message when it exits first. */
  output?: () => string;
  timeoutMs?: number;
}

/** Resolves once 127.0.0.1:`port` accepts a connection. */
export async function waitForPort(port: number, options: WaitForPortOptions = {}): Promise<void> {
  const { child, output, timeoutMs = 15_000 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await accepts(port)) return;
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it listened on ${port}${output ? `:\n${output()}` : ''}`);
    if (Date.now() > deadline) throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
    await sleep(20);
  }
}
