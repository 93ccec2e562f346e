/**
 * The loopback front door of a running profile, as the editor shows and hands
 * it out: its URL (never with the token), how it authenticates, and the names
 * our entries in other tools' configurations use. The token lives only in the
 * extension host's memory while the relay runs. No `vscode` import.
 */
import { buildCurl } from '../dashboard/curl';
import { DASHBOARD_PROTOCOL_VERSION } from '../../host/mcpClient';
import { CLIENT_VERSION } from '../../version';

export interface LoopbackEndpoint {
  profile: string;
  /** The front door's MCP URL without the token. */
  mcpUrl: string;
  /** Held in memory for the running relay; absent when the front door takes none. */
  token?: string;
  auth: 'bearer' | 'none';
  /** The relay also accepts the token as the URL's last path segment. */
  tokenInPath: boolean;
}

/** The auth mode in a few words, for the tree row and the dashboard. */
export function authModeText(endpoint: Pick<LoopbackEndpoint, 'auth' | 'tokenInPath'>): string {
  if (endpoint.auth === 'none') return 'no auth';
  return endpoint.tokenInPath ? 'bearer token (or token in path)' : 'bearer token';
}

/** A ready-to-run `curl` initialize request against the front door, with the token as a bearer header. */
export function initializeCurl(endpoint: LoopbackEndpoint): string {
  return buildCurl({
    url: endpoint.mcpUrl,
    token: endpoint.token,
    message: {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: DASHBOARD_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'curl', version: CLIENT_VERSION } },
    },
  });
}

/** The server name our entries use in .vscode/mcp.json and Codex's config.toml: a bare key in both. */
export function serverName(profile: string): string {
  return `mcp-tunnel-${profile.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** The id of the password prompt that supplies the token in .vscode/mcp.json. */
export function tokenInputId(profile: string): string {
  return `${serverName(profile)}-token`;
}

/** The environment variable Codex reads the token from. */
export function tokenEnvVar(profile: string): string {
  return `MCP_TUNNEL_${profile.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_TOKEN`;
}
