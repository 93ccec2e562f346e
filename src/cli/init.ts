/**
 * `mcp-tunnel init`: writes a commented reference-format YAML profile that
 * the loader accepts as written. The API key is always a reference
 * (`env:CONTROL_PLANE_API_KEY`); the file is created owner-only (0600).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import YAML from 'yaml';
import { TUNNEL_ID_PATTERN } from '../protocol/wire';
import { ConfigError, fromZod } from '../profiles/errors';
import { TunnelProfileSchema } from '../profiles/schema';
import type { Env } from '../profiles/secrets';
import { checkProfileName, parseYamlProfile, profileDirectory } from '../profiles/yaml';
import { quoteArg } from './sampleServer';

export const INIT_SAMPLES = ['stdio-local', 'remote-http', 'oauth-http', 'enterprise-proxy'] as const;
export type InitSample = (typeof INIT_SAMPLES)[number];

/**
 * The reference daemon's sample names, accepted beside ours. Its general
 * `sample_mcp_with_dcr` (an HTTP or a stdio server) becomes stdio-local when
 * a command is given, else oauth-http.
 */
export const REFERENCE_SAMPLES = ['sample_mcp_stdio_local', 'sample_mcp_remote_no_auth', 'sample_mcp_enterprise_proxy', 'sample_mcp_with_dcr'] as const;

/** Our sample for a sample name of either client, or undefined when it is neither. */
export function initSampleFor(name: string, opts: { mcpCommand?: string | undefined } = {}): InitSample | undefined {
  if ((INIT_SAMPLES as readonly string[]).includes(name)) return name as InitSample;
  switch (name) {
    case 'sample_mcp_stdio_local':
      return 'stdio-local';
    case 'sample_mcp_remote_no_auth':
      return 'remote-http';
    case 'sample_mcp_enterprise_proxy':
      return 'enterprise-proxy';
    case 'sample_mcp_with_dcr':
      return opts.mcpCommand !== undefined ? 'stdio-local' : 'oauth-http';
    default:
      return undefined;
  }
}

export interface InitOptions {
  sample: InitSample;
  /** Profile name; the file is `<dir>/<profile>.yaml`. */
  profile: string;
  /** Defaults to `$XDG_CONFIG_HOME/tunnel-client`, else `~/.config/tunnel-client`. */
  dir?: string;
  force?: boolean;
  tunnelId?: string;
  mcpCommand?: string;
  mcpServerUrl?: string;
  env?: Env;
  homedir?: string;
}

export interface InitResult {
  file: string;
  content: string;
  /** True when an existing file was replaced (only with force). */
  overwritten: boolean;
}

const DEFAULT_COMMAND = 'npx -y @modelcontextprotocol/server-everything';
const DEFAULT_LOCAL_URL = 'http://127.0.0.1:3000/mcp';
const DEFAULT_ENTERPRISE_URL = 'https://mcp.internal.example/mcp';

/** A scalar as YAML writes it (quoted only when it must be). */
function scalar(value: string): string {
  return YAML.stringify(value, { lineWidth: 0 }).trimEnd();
}

function tunnelIdLines(tunnelId: string | undefined): string[] {
  return tunnelId !== undefined
    ? ['  # From the Platform tunnel settings. Env: CONTROL_PLANE_TUNNEL_ID', `  tunnel_id: ${scalar(tunnelId)}`]
    : [
        '  # From the Platform tunnel settings: tunnel_ followed by 32 lowercase letters',
        '  # or digits. Uncomment and fill in, or export CONTROL_PLANE_TUNNEL_ID.',
        '  # tunnel_id: tunnel_<32 lowercase letters or digits>',
      ];
}

/** The profile text for a sample; pure, so it can be previewed and tested. */
export function renderProfileYaml(opts: Omit<InitOptions, 'dir' | 'force' | 'env' | 'homedir'>): string {
  const { sample, profile } = opts;
  const header = [
    `# MCP Tunnel profile "${profile}" (sample: ${sample}), written by mcp-tunnel init.`,
    '# Same format as the reference tunnel-client daemon (config_version 1).',
    '# Every key can be overridden by its env var or a command-line flag',
    '# (flags > env > this file > defaults). Check it with:',
    `#   mcp-tunnel doctor --profile ${profile}`,
    'config_version: 1',
    '',
  ];
  const controlPlane = [
    'control_plane:',
    '  # Host root of the control plane, without /v1. Env: CONTROL_PLANE_BASE_URL',
    '  base_url: https://api.openai.com',
    ...tunnelIdLines(opts.tunnelId),
    '  # A runtime key with Tunnels Read + Use; never an admin key. Keep the key',
    '  # itself out of this file: env:NAME reads a variable, file:/path a file.',
    '  api_key: env:CONTROL_PLANE_API_KEY',
  ];
  const tuning = [
    '  # Commands accepted but not yet finished (1..10000).',
    '  max_inflight_requests: 20',
    '  # Long-poll wait per request, a Go duration: 30s, 4500ms, 1m30s.',
    '  poll_timeout: 30s',
    '',
  ];
  const health = [
    'health:',
    '  # /healthz, /readyz and /metrics. Port 0 picks a free port; an empty',
    '  # value ("") turns the health server off.',
    '  listen_addr: 127.0.0.1:8080',
    '',
  ];
  // struct-text, not text: the reference daemon reads only struct-text and json.
  const log = (format: 'struct-text' | 'json') => ['log:', '  level: info     # debug | info | warn | error', `  format: ${format}    # struct-text | json`, ''];
  // The samples without a proxy differ only in their mcp section.
  const direct = [...header, ...controlPlane, ...tuning, ...health, ...log('struct-text'), 'mcp:'];

  switch (sample) {
    case 'stdio-local':
      return [
        ...direct,
        '  # A stdio MCP server started by the tunnel. The command line is split',
        '  # like a shell would split it, but never run by a shell.',
        '  commands:',
        '    - channel: main',
        `      command: ${scalar(opts.mcpCommand ?? DEFAULT_COMMAND)}`,
        '  # MCP requests running at once (1..1000).',
        '  max_concurrent_requests: 10',
        '',
      ].join('\n');
    case 'remote-http':
      return [
        ...direct,
        '  # A private Streamable HTTP MCP server, reached from this machine.',
        '  server_urls:',
        '    - channel: main',
        `      url: ${scalar(opts.mcpServerUrl ?? DEFAULT_LOCAL_URL)}`,
        '      # mTLS to the MCP server (its own certificate, not the control plane one):',
        '      # client_cert: /path/mcp-cert.pem',
        '      # client_key: /path/mcp-key.pem',
        '  # Headers sent only to the MCP server; values may be env:NAME references.',
        '  # extra_headers:',
        '  #   Authorization: env:MCP_SERVER_AUTHORIZATION',
        '  max_concurrent_requests: 10',
        '',
      ].join('\n');
    case 'oauth-http':
      return [
        ...direct,
        '  # An OAuth-protected Streamable HTTP MCP server (RFC 9728 protected-resource',
        '  # metadata, an authorization server with dynamic client registration).',
        '  # The connector runs the OAuth flow; the tunnel fetches the metadata from',
        '  # this machine at startup and for the connector, and carries the user\'s',
        '  # Authorization header to the server. /readyz stays 503 ("oauth discovery',
        '  # failed: ...") while a server that wants a token publishes no metadata.',
        '  server_urls:',
        '    - channel: main',
        `      url: ${scalar(opts.mcpServerUrl ?? DEFAULT_LOCAL_URL)}`,
        '  # Headers for the discovery requests only (metadata behind a gateway that',
        '  # wants its own key); never sent to MCP calls or to another origin.',
        '  # discovery_extra_headers:',
        '  #   X-Gateway-Key: env:MCP_DISCOVERY_GATEWAY_KEY',
        '  max_concurrent_requests: 10',
        '',
      ].join('\n');
    case 'enterprise-proxy':
      return [
        ...header,
        ...controlPlane,
        '  # mTLS to the control plane. With a client certificate the hosted default',
        '  # base_url becomes https://mtls.api.openai.com.',
        '  # client_cert: /etc/mcp-tunnel/control-plane-cert.pem',
        '  # client_key: /etc/mcp-tunnel/control-plane-key.pem',
        ...tuning,
        '# Extra CA certificates added to the system trust, e.g. the root of a',
        '# TLS-inspecting proxy. Applies to the MCP servers too unless mcp.ca_bundle is set.',
        '# ca_bundle: /etc/ssl/certs/corp-root.pem',
        '# Outbound proxy for every hop (control plane and MCP). An unset variable means no proxy.',
        'http_proxy: env:HTTPS_PROXY',
        '',
        ...health,
        ...log('json'),
        'mcp:',
        '  server_urls:',
        '    - channel: main',
        `      url: ${scalar(opts.mcpServerUrl ?? DEFAULT_ENTERPRISE_URL)}`,
        '      # client_cert: /etc/mcp-tunnel/mcp-cert.pem',
        '      # client_key: /etc/mcp-tunnel/mcp-key.pem',
        '  # The MCP hop uses http_proxy above unless it has its own:',
        '  # http_proxy: http://proxy.corp.example:3128',
        '  max_concurrent_requests: 10',
        '',
      ].join('\n');
  }
}

function checkOptions(opts: InitOptions): void {
  if (!(INIT_SAMPLES as readonly string[]).includes(opts.sample)) {
    throw new ConfigError('--sample', `"${String(opts.sample).slice(0, 40)}" is not a sample`, `Use one of ${[...INIT_SAMPLES, ...REFERENCE_SAMPLES].join(', ')}`);
  }
  checkProfileName(opts.profile, '--profile');
  if (opts.tunnelId !== undefined && !TUNNEL_ID_PATTERN.test(opts.tunnelId)) {
    throw new ConfigError('--tunnel-id', 'must be "tunnel_" followed by 32 lowercase letters or digits', 'Copy the tunnel id from the Platform tunnel settings');
  }
  if (opts.mcpCommand !== undefined && opts.sample !== 'stdio-local') {
    throw new ConfigError('--mcp-command', `does not apply to the ${opts.sample} sample`, 'Use --mcp-server-url, or --sample stdio-local');
  }
  if (opts.mcpServerUrl !== undefined && opts.sample === 'stdio-local') {
    throw new ConfigError('--mcp-server-url', 'does not apply to the stdio-local sample', 'Use --mcp-command, or --sample remote-http');
  }
}

/**
 * Checks a profile's text with the real loader before it is written. A
 * missing tunnel id is filled with a placeholder: it may come from
 * CONTROL_PLANE_TUNNEL_ID when the tunnel runs.
 */
export function validateProfileText(content: string, file: string, profile: string): void {
  const layer = parseYamlProfile(content, file);
  const controlPlane = { tunnelId: `tunnel_${'0'.repeat(32)}`, ...(layer.data.controlPlane as Record<string, unknown>) };
  const parsed = TunnelProfileSchema.safeParse({ ...layer.data, controlPlane, name: profile }, { reportInput: true });
  if (!parsed.success) throw fromZod(parsed.error, { kind: 'file', file, name: layer.name, schema: TunnelProfileSchema });
}

/** Writes `<dir>/<profile>.yaml` owner-only; an existing file is replaced only with `force`. */
export async function writeProfileFile(dir: string, profile: string, content: string, force = false): Promise<{ file: string; overwritten: boolean }> {
  const file = path.join(dir, `${profile}.yaml`);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  let overwritten = false;
  try {
    await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (!force) {
      throw new ConfigError('--profile', `a profile named "${profile}" already exists at ${file}`, 'Pass --force to overwrite it, or choose another name');
    }
    await fs.writeFile(file, content, { mode: 0o600 });
    overwritten = true;
  }
  // writeFile keeps the mode of a file it overwrites.
  await fs.chmod(file, 0o600);
  return { file, overwritten };
}

export function initDirectory(opts: Pick<InitOptions, 'dir' | 'env' | 'homedir'>): string {
  return opts.dir ?? profileDirectory(opts.env ?? process.env, opts.homedir ?? os.homedir());
}

export async function runInit(opts: InitOptions): Promise<InitResult> {
  checkOptions(opts);
  const dir = initDirectory(opts);
  const content = renderProfileYaml(opts);
  validateProfileText(content, path.join(dir, `${opts.profile}.yaml`), opts.profile);
  const { file, overwritten } = await writeProfileFile(dir, opts.profile, content, opts.force);
  return { file, content, overwritten };
}

/** What to run after a profile was written; one outside the profile directory is named by its file. */
export function nextSteps(profile: string, file: string, outsideProfileDirectory: boolean): string {
  const select = outsideProfileDirectory ? `--profile-file ${quoteArg(file)}` : `--profile ${profile}`;
  return `Next: export CONTROL_PLANE_API_KEY (a runtime key with Tunnels Read + Use), then\n  mcp-tunnel doctor ${select} --explain\n  mcp-tunnel run ${select}\n`;
}
