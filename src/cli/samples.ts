/**
 * The profile samples `init` and `profiles add` write, described for
 * `profiles samples list|show`. The reference daemon's sample names are
 * accepted too (`initSampleFor` maps them).
 */
import { INIT_SAMPLES, initSampleFor, REFERENCE_SAMPLES, type InitSample } from './init';
import { UsageError } from './output';

export interface SampleInfo {
  name: InitSample;
  summary: string;
  useWhen: string;
  inputs: string[];
  notes: string[];
}

const TUNNEL_ID_INPUT = '--tunnel-id tunnel_… (or leave it out and export CONTROL_PLANE_TUNNEL_ID before run)';
const KEY_NOTE = 'The API key is read from CONTROL_PLANE_API_KEY (a runtime key with Tunnels Read + Use); the file holds only the reference env:CONTROL_PLANE_API_KEY.';

export const SAMPLES: readonly SampleInfo[] = [
  {
    name: 'stdio-local',
    summary: 'a local MCP server the tunnel starts as a stdio child process',
    useWhen: 'your MCP server is a command on this machine (node, python, npx, uvx …)',
    inputs: [TUNNEL_ID_INPUT, '--mcp-command "CMD ARGS" (default: npx -y @modelcontextprotocol/server-everything)'],
    notes: [KEY_NOTE, 'The command is split like a shell would split it but never run by a shell.'],
  },
  {
    name: 'remote-http',
    summary: 'a Streamable HTTP MCP server reached from this machine',
    useWhen: 'your MCP server already listens on a URL, locally or on a private network',
    inputs: [TUNNEL_ID_INPUT, '--mcp-server-url URL (default: http://127.0.0.1:3000/mcp)'],
    notes: [KEY_NOTE, 'Headers for the MCP server (e.g. Authorization: env:MCP_SERVER_AUTHORIZATION) and its mTLS files are commented out in the file.'],
  },
  {
    name: 'oauth-http',
    summary: 'an OAuth-protected Streamable HTTP MCP server (protected-resource metadata, dynamic client registration)',
    useWhen: 'your MCP server answers 401 with a WWW-Authenticate challenge and the connector signs users in (the reference sample_mcp_with_dcr)',
    inputs: [TUNNEL_ID_INPUT, '--mcp-server-url URL (default: http://127.0.0.1:3000/mcp)'],
    notes: [
      KEY_NOTE,
      'The tunnel fetches the OAuth metadata from this machine at startup (see /readyz and doctor\'s oauth_metadata check) and answers the connector\'s discovery requests; the user\'s token travels in Authorization.',
      'discovery_extra_headers (commented out) adds headers to the discovery requests only.',
    ],
  },
  {
    name: 'enterprise-proxy',
    summary: 'an HTTP MCP server on a corporate network, with an outbound proxy, a private CA and JSON logs',
    useWhen: 'the control plane is reached through an HTTP proxy or a TLS-inspecting proxy, or with mTLS',
    inputs: [TUNNEL_ID_INPUT, '--mcp-server-url URL (default: https://mcp.internal.example/mcp)'],
    notes: [
      KEY_NOTE,
      'http_proxy: env:HTTPS_PROXY routes the control-plane hop through the proxy in HTTPS_PROXY; the MCP hop uses mcp.proxy only.',
      'ca_bundle and the client certificate lines are commented out: fill them in if your network needs them.',
    ],
  },
];

/** Our sample for a name (ours or the reference's), or a usage error naming the choices. */
export function resolveSample(name: string | undefined, command: string, opts: { mcpCommand?: string | undefined } = {}): InitSample {
  const sample = name !== undefined ? initSampleFor(name, opts) : undefined;
  if (sample) return sample;
  const choices = `--sample ${[...INIT_SAMPLES, ...REFERENCE_SAMPLES].join('|')}`;
  throw new UsageError(`${command} needs ${choices}${name === undefined ? '' : `, not "${name.slice(0, 40)}"`}. See "mcp-tunnel profiles samples list"`);
}

export function sampleInfo(name: InitSample): SampleInfo {
  return SAMPLES.find((s) => s.name === name)!;
}
