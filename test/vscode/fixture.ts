/**
 * What both runners of the in-host suite agree on: the extension under test,
 * the workspace they open, and how results come back from the extension host.
 */

export const EXTENSION_ID = 'mcp-tunnel.mcp-tunnel';

/** The test-only extension reads the results path from this variable (code-server runs). */
export const RESULTS_ENV = 'MCP_TUNNEL_INHOST_RESULTS';

/** A profile present from the start, so "autoStart off starts nothing" is checked with something to start. */
export const IDLE_PROFILE = {
  name: 'idle',
  controlPlane: { baseUrl: 'http://127.0.0.1:9', tunnelId: `tunnel_${'inhostidle'.padEnd(32, '0')}`, apiKey: 'env:MCP_TUNNEL_INHOST_UNUSED_KEY' },
  mcp: { servers: [{ command: 'node', args: ['--version'] }] },
};

/** `.vscode/settings.json` of the workspace the suite runs in. */
export const WORKSPACE_SETTINGS: Record<string, unknown> = {
  'mcpTunnel.autoStart': false,
  'mcpTunnel.profiles': [IDLE_PROFILE],
};

/** One test as the extension host ran it. */
export interface InHostTestResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: string;
}

/** What the suite reports when it has run. */
export interface InHostResults {
  passed: number;
  failed: number;
  pending: number;
  tests: InHostTestResult[];
  /** Set when the suite could not run at all. */
  error?: string;
  vscodeVersion: string;
}
