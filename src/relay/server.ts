/**
 * The relay's HTTP server lifecycle: listening tuned for long polls, and a
 * close that lets the last front-door answers out before cutting every
 * connection. Apart from the routes, which never see the server itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../engine/log';
import { listenOn, type Bound } from '../engine/net';
import { sendApiError } from './http';

/** Listens on `listen` and passes each request to `route`; a route that throws is answered 500. */
export async function listenRelay(
  route: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  logger: Logger,
  listen: string,
  listenSetting: string,
): Promise<{ server: Server; bound: Bound }> {
  const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error('relay request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) sendApiError(res, 500, 'internal relay error', null);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  // Keep idle keep-alive connections longer than a client's poll turnaround.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const bound = await listenOn(server, listen, listenSetting);
  return { server, bound };
}

/** Closes the server; responses in `open` get up to 250 ms to finish before every connection is cut. */
export async function closeRelayServer(server: Server, open: ReadonlySet<ServerResponse> | undefined): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Front-door handlers answer their dropped commands on the next turns; give their bytes a moment.
  const deadline = Date.now() + 250;
  await new Promise((resolve) => setImmediate(resolve));
  while (open && open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  server.closeAllConnections();
  await closed;
}
