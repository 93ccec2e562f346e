/**
 * An OAuth-protected Streamable HTTP MCP server built from the MCP SDK's own
 * server auth pieces, for tests and the README's walk-through:
 *
 * - an authorization server on its own loopback port: the SDK's
 *   `mcpAuthRouter` over its demo in-memory provider (dynamic client
 *   registration, PKCE, an authorize endpoint that approves at once by
 *   redirecting to the client's redirect URI with a code);
 * - the MCP server (the resource server) on another port: RFC 9728 metadata
 *   from `mcpAuthMetadataRouter`, `requireBearerAuth` in front of `/mcp`
 *   (401 with a `resource_metadata` challenge without a valid token), and a
 *   stateless `McpServer` with the tools `echo` and `whoami` (the token's
 *   client id, scopes and resource).
 *
 * Every request the MCP server receives is recorded (method, path, headers),
 * so tests can check which Authorization reached it and which did not.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createOAuthMetadata, getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter, mcpAuthRouter } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export const OAUTH_SCOPES = ['mcp:tools'];

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface OAuthMcpServer {
  /** The MCP endpoint, http://127.0.0.1:PORT/mcp. */
  mcpUrl: string;
  /** The authorization server's issuer URL. */
  issuerUrl: string;
  /** The MCP server's own RFC 9728 metadata URL (what its 401 challenge names). */
  metadataUrl: string;
  provider: DemoInMemoryAuthProvider;
  /** Every request the MCP server (not the authorization server) received, oldest first. */
  requests: RecordedRequest[];
  /** Auth info of every MCP request that got through `requireBearerAuth`. */
  authorized: AuthInfo[];
  stop(): Promise<void>;
}

export interface OAuthMcpServerOptions {
  /** Ports to listen on (default: free ones). */
  mcpPort?: number;
  authPort?: number;
  /** Host name in the URLs (default 127.0.0.1). */
  host?: string;
  /** Runs before the authorization server's routes (tests record who called it). */
  authMiddleware?: express.RequestHandler;
}

async function listen(app: express.Express, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function mcpServerFor(): McpServer {
  const server = new McpServer({ name: 'oauth-fixture', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes its text', inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
  server.registerTool('whoami', { description: 'The OAuth client the access token was issued to' }, async (extra) => {
    const auth = extra.authInfo;
    return {
      content: [{ type: 'text', text: auth ? auth.clientId : 'anonymous' }],
      structuredContent: { clientId: auth?.clientId ?? null, scopes: auth?.scopes ?? [], resource: auth?.resource?.href ?? null },
    };
  });
  return server;
}

export async function startOAuthMcpServer(options: OAuthMcpServerOptions = {}): Promise<OAuthMcpServer> {
  const host = options.host ?? '127.0.0.1';
  const provider = new DemoInMemoryAuthProvider();

  // The authorization server: the issuer URL needs its port, so listen first and mount after.
  const authApp = express();
  const authServer = await listen(authApp, options.authPort ?? 0);
  const issuerUrl = new URL(`http://${host}:${(authServer.address() as AddressInfo).port}`);
  if (options.authMiddleware) authApp.use(options.authMiddleware);
  authApp.use(mcpAuthRouter({ provider, issuerUrl, scopesSupported: OAUTH_SCOPES }));
  const oauthMetadata = createOAuthMetadata({ provider, issuerUrl, scopesSupported: OAUTH_SCOPES });

  const requests: RecordedRequest[] = [];
  const authorized: AuthInfo[] = [];
  const mcpApp = express();
  const mcpServer = await listen(mcpApp, options.mcpPort ?? 0);
  const mcpUrl = new URL(`http://${host}:${(mcpServer.address() as AddressInfo).port}/mcp`);
  const metadataUrl = getOAuthProtectedResourceMetadataUrl(mcpUrl);
  mcpApp.use((req, _res, next) => {
    requests.push({ method: req.method, path: req.path, headers: { ...req.headers } });
    next();
  });
  mcpApp.use(mcpAuthMetadataRouter({ oauthMetadata, resourceServerUrl: mcpUrl, scopesSupported: OAUTH_SCOPES, resourceName: 'OAuth fixture MCP server' }));
  const bearer = requireBearerAuth({ verifier: provider, resourceMetadataUrl: metadataUrl });
  mcpApp.post('/mcp', express.json(), bearer, async (req: Request, res: Response) => {
    authorized.push((req as Request & { auth: AuthInfo }).auth);
    // Stateless: one server and transport per request.
    const server = mcpServerFor();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  mcpApp.get('/mcp', bearer, (_req, res) => {
    res.status(405).set('Allow', 'POST').end();
  });
  mcpApp.delete('/mcp', bearer, (_req, res) => {
    res.status(405).set('Allow', 'POST').end();
  });

  return {
    mcpUrl: mcpUrl.href,
    issuerUrl: issuerUrl.href,
    metadataUrl,
    provider,
    requests,
    authorized,
    async stop() {
      await Promise.all([close(mcpServer), close(authServer)]);
    },
  };
}
