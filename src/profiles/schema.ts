/**
 * The one schema for a tunnel profile. Every source (settings.json, the
 * reference daemon's YAML, env vars, CLI flags, imported mcp.json / Codex
 * entries) is mapped onto this shape and validated here; the settings.json
 * JSON schema is generated from it by `profileJsonSchema()`.
 *
 * The schema only validates and fills defaults: it never transforms, so what
 * a user wrote is what the parsed profile holds, and secrets stay references.
 */
import * as z from 'zod';
import { DEFAULTS } from '../engine/config';
import { LOG_LEVELS } from '../engine/log';
import { DEFAULT_CHANNEL, PROTOCOL_HEADERS, TUNNEL_ID_PATTERN } from '../protocol/wire';
import { DURATION_FIX_EXAMPLE, DURATION_PATTERN, DURATION_PROBLEM } from './duration';
import { isLoopbackHost, parseListenAddr } from '../engine/net';
import {
  checkCertKeyPair,
  checkControlPlaneUrl,
  checkHeaders,
  checkHttpUrl,
  checkListenAddr,
  checkNoLineBreak,
  checkPollChannels,
  checkHasServers,
  checkPollTiming,
  checkPollTimeout,
  checkPositiveDuration,
  checkProxy,
  checkSecretReferenceShape,
  checkServedChannels,
  checkUrlPath,
  fail,
} from './schemaChecks';

export { isLoopbackHost, parseListenAddr };
export { isSecretReference, SECRET_REFERENCE_PATTERN } from './schemaChecks';
import { HarpoonSchema } from './harpoonSchema';

/** As the reference daemon names profiles (its file names): a letter or digit first, 128 characters at most. */
export const PROFILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const CHANNEL_PATTERN = /^[a-z0-9_-]+$/;
export const MAX_CHANNELS = 32;
/** `struct-text` is the reference daemon's name for the text format. */
export const LOG_FORMATS = ['text', 'struct-text', 'json'] as const;

/**
 * Headers the engine sets on every MCP request itself; a configured value
 * would break sessions, streaming or framing.
 */
export const MCP_RESERVED_HEADERS: readonly string[] = [
  'Mcp-Session-Id',
  'Accept',
  'Content-Type',
  'Content-Length',
  'Transfer-Encoding',
  'Connection',
  'Host',
];

function doc(description: string, markdownDescription?: string): { description: string; markdownDescription?: string } {
  return markdownDescription ? { description, markdownDescription } : { description };
}

const filePath = (description: string, markdownDescription?: string) =>
  z.string().min(1, 'must not be empty').meta(doc(description, markdownDescription));

const headerMap = z.record(z.string(), z.string());

/** A configuration duration in Go's form (`30s`, `1m30s`, `1.5s`). */
const duration = () => z.string().regex(DURATION_PATTERN, DURATION_PROBLEM);

const ControlPlaneSchema = z
  .strictObject({
    baseUrl: z
      .string()
      .superRefine(checkControlPlaneUrl)
      .default(DEFAULTS.baseUrl)
      .meta(
        doc(
          'Control plane host root. https is required except for a relay on this machine. With a client certificate the hosted default switches to https://mtls.api.openai.com.',
          'Control plane host root, without `/v1`. `https` is required except for a relay on this machine (`http://127.0.0.1:PORT`). With `clientCert` set, the hosted default switches to `https://mtls.api.openai.com`.',
        ),
      ),
    urlPath: z
      .string()
      .superRefine(checkUrlPath)
      .optional()
      .meta(doc('Optional path prefix inserted before /v1 (for a gateway that mounts the API under a path).', 'Optional path prefix inserted before `/v1`, for a gateway that mounts the API under a path.')),
    tunnelId: z
      .string()
      .regex(TUNNEL_ID_PATTERN, 'must be "tunnel_" followed by 32 lowercase letters or digits')
      .meta({
        ...doc(
          'Tunnel id from the Platform tunnel settings: tunnel_ followed by 32 lowercase letters or digits.',
          'Tunnel id from the Platform tunnel settings: `tunnel_` followed by 32 lowercase letters or digits.',
        ),
        // Shown by VS Code instead of the raw pattern.
        patternErrorMessage: 'A tunnel id is "tunnel_" followed by 32 lowercase letters or digits: copy it from the Platform tunnel settings',
      }),
    apiKey: z
      .string()
      .min(1, 'must not be empty')
      .superRefine(checkSecretReferenceShape)
      .optional()
      .meta(
        doc(
          'Where the runtime API key (Tunnels Read + Use) comes from: env:NAME, file:/path, or secret:NAME for the editor secret storage. In VS Code, leave it out to use the key stored with "MCP Tunnel: Set API Key…". Never an admin key.',
          'Where the runtime API key (Tunnels **Read + Use**) comes from: `env:NAME`, `file:/path`, or `secret:NAME` (editor secret storage). In VS Code, leave it out to use the key stored for this profile with **MCP Tunnel: Set API Key…**. Never put the key itself here, and never use an admin key.',
        ),
      ),
    clientCert: filePath('PEM client certificate for mTLS to the control plane.').optional(),
    clientKey: filePath('PEM private key for the control-plane client certificate.').optional(),
    maxInflightRequests: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 10000')
      .max(DEFAULTS.maxInflightRequestsLimit, 'must be between 1 and 10000')
      .default(DEFAULTS.maxInflightRequests)
      .meta(doc('Local queue capacity: polled commands waiting for a worker, not counting those already running (1..10000).')),
    organizationId: z
      .string()
      .superRefine(checkNoLineBreak)
      .optional()
      .meta(doc('Organization id sent as the OpenAI-Organization header on control-plane requests.', 'Organization id sent as the `OpenAI-Organization` header on control-plane requests.')),
    httpProxy: z
      .string()
      .superRefine(checkProxy)
      .optional()
      .meta(doc('HTTP proxy for the control-plane hop only (URL or env:NAME); wins over the top-level httpProxy.', 'HTTP proxy for the control-plane hop only (URL or `env:NAME`); wins over the top-level `httpProxy`.')),
    pollTimeout: duration()
      .superRefine(checkPollTimeout)
      .default('30s')
      .meta({
        ...doc('Long-poll wait requested from the control plane, e.g. 30s, 4500ms or 1m30s.', 'Long-poll wait requested from the control plane (`timeout_ms`), e.g. `30s`, `4500ms` or `1m30s`.'),
        patternErrorMessage: DURATION_FIX_EXAMPLE,
      }),
    pollDeadlineGuardrail: duration()
      .optional()
      .meta({
        ...doc('Time allowed beyond the poll wait before a poll request is given up (under 1m; poll timeout plus this at most 10m).', 'Time allowed beyond the poll wait before a poll request is given up (under `1m`; poll timeout plus this at most `10m`).'),
        patternErrorMessage: DURATION_FIX_EXAMPLE,
      }),
    pollChannels: z
      .array(z.string().regex(/^[a-z0-9_-]+$/, 'must use only lowercase letters, digits, _ and -'))
      .superRefine(checkPollChannels)
      .optional()
      .meta(doc('Channels this client serves; without main here, no main server is needed.', 'Channels this client serves; when `main` is not among them, no `main` server is needed.')),
    extraHeaders: headerMap
      .superRefine(checkHeaders(PROTOCOL_HEADERS, 'the tunnel protocol owns it'))
      .optional()
      .meta(doc('Extra headers sent on every control-plane request. Protocol headers cannot be overridden.')),
  })
  .superRefine(checkCertKeyPair)
  .superRefine(checkPollTiming)
  .meta(doc('How to reach the tunnel control plane (hosted service or a local relay).'));

/** The keys that say what a server is; exactly one is set. */
const SERVER_KINDS = ['command', 'url', 'mcpServer'] as const;
const STDIO_ONLY = ['args', 'cwd', 'env', 'envFile'] as const;
/** How remote sessions share a stdio server; also allowed beside an mcpServer reference (it may name a stdio server). */
const SESSION_KEYS = ['sessionMode', 'maxSessions', 'sessionIdleTimeout'] as const;
export const SESSION_MODES = ['per_session', 'shared'] as const;
const HTTP_ONLY = ['headers', 'clientCert', 'clientKey', 'proxy'] as const;

/** One `mcp.servers[]` entry; importers validate single servers with it. */
export const McpServerSchema = z
  .strictObject({
    channel: z
      .string()
      .regex(CHANNEL_PATTERN, 'must use only lowercase letters, digits, _ and -')
      .max(64, 'must be at most 64 characters')
      .default(DEFAULT_CHANNEL)
      .meta({
        ...doc('Logical MCP channel this server answers; most tunnels have just "main".', 'Logical MCP channel this server answers; most tunnels have just `main`.'),
        patternErrorMessage: 'Use only lowercase letters, digits, _ and -',
      }),
    command: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta(
        doc(
          'Command line of a stdio MCP server. Split into argv like a POSIX shell would, but never run through a shell.',
          'Command line of a stdio MCP server, e.g. `npx -y @modelcontextprotocol/server-everything`. Split into argv like a POSIX shell would, but never run through a shell. Set exactly one of `command`, `url` and `mcpServer`.',
        ),
      ),
    args: z.array(z.string()).optional().meta(doc('Extra arguments appended to the command, passed as-is.')),
    cwd: filePath('Working directory of the stdio server.').optional(),
    env: z
      .record(z.string(), z.string())
      .optional()
      .meta(
        doc(
          'Variables added to the minimal environment of the stdio server. ${env:NAME} in a value is replaced by that variable of the tunnel\'s environment; a value that is only ${env:NAME} forwards the variable when it is set.',
          'Variables added to the minimal environment of the stdio server. `${env:NAME}` in a value is replaced by that variable of the tunnel\'s environment; a value that is only `${env:NAME}` forwards the variable when it is set.',
        ),
      ),
    envFile: filePath(
      'A dotenv file (NAME=value lines) whose variables are added to the stdio server environment; env entries win. A relative path starts at cwd.',
      'A dotenv file (`NAME=value` lines) whose variables are added to the stdio server environment; `env` entries win over it. A relative path starts at `cwd`.',
    ).optional(),
    sessionMode: z
      .enum(SESSION_MODES)
      .optional()
      .meta(
        doc(
          'How remote sessions share this stdio server: shared (the default) runs one child for every session, as the reference daemon does; per_session runs a child per remote session, initialized with that session\'s own initialize, so each sees what a direct connection would and none sees another\'s state.',
          'How remote sessions share this stdio server. `shared` (the default) runs one child for every session, as the reference daemon does: cheap, but later sessions get the first session\'s view and share its state. `per_session` runs a child per remote session, initialized with that session\'s own `initialize` (capabilities, protocol version, clientInfo), so each sees what a direct connection would see and none sees another\'s state (roots, subscriptions, log level). See the README, "Many sessions, one child".',
        ),
      ),
    maxSessions: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 1000')
      .max(1000, 'must be between 1 and 1000')
      .optional()
      .meta(
        doc(
          `per_session: children for remote sessions at most (default ${DEFAULTS.maxSessions}); a new session beyond it closes the least recently used one, whose next call is told to reconnect.`,
          `With \`sessionMode: per_session\`: children for remote sessions at most (default \`${DEFAULTS.maxSessions}\`). A new session beyond it closes the least recently used session (idle ones first), whose next call gets a JSON-RPC error telling it to reconnect.`,
        ),
      ),
    sessionIdleTimeout: duration()
      .optional()
      .meta(
        doc(
          `per_session: a session's child idle this long is stopped (default 10m; 0s never).`,
          `With \`sessionMode: per_session\`: a session's child that served nothing for this long is stopped, e.g. \`30m\` (default \`10m\`; \`0s\`: never). The session's next call gets a JSON-RPC error telling it to reconnect.`,
        ),
      ),
    url: z
      .string()
      .superRefine(checkHttpUrl)
      .optional()
      .meta(
        doc(
          'Streamable HTTP endpoint of a private MCP server. Set exactly one of command, url and mcpServer.',
          'Streamable HTTP endpoint of a private MCP server, e.g. `https://mcp.internal/mcp`. Set exactly one of `command`, `url` and `mcpServer`.',
        ),
      ),
    headers: headerMap
      .superRefine(checkHeaders(MCP_RESERVED_HEADERS, 'the tunnel sets it per request'))
      .optional()
      .meta(
        doc(
          'Headers sent to this HTTP server only. A value may be env:NAME, file:/path or secret:NAME, or contain ${env:NAME}.',
          'Headers sent to this HTTP server only. A value may be a reference (`env:NAME`, `file:/path`, `secret:NAME`) or contain `${env:NAME}`, e.g. `Bearer ${env:MCP_TOKEN}`.',
        ),
      ),
    clientCert: filePath('PEM client certificate for mTLS to this HTTP server.').optional(),
    clientKey: filePath('PEM private key for the MCP client certificate.').optional(),
    proxy: z
      .string()
      .superRefine(checkProxy)
      .optional()
      .meta(doc('HTTP proxy for this HTTP server only (URL or env:NAME); wins over mcp.proxy.', 'HTTP proxy for this HTTP server only (URL or `env:NAME`); wins over `mcp.proxy`.')),
    mcpServer: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .meta(
        doc(
          'Name of a server in the workspace .vscode/mcp.json to serve, instead of an inline command or url (VS Code only). Its variables and inputs are resolved when the tunnel starts.',
          'Name of a server in the workspace `.vscode/mcp.json` to serve, instead of an inline `command` or `url` (VS Code only). Its `${workspaceFolder}`, `${env:NAME}` and `${input:ID}` variables are resolved when the tunnel starts.',
        ),
      ),
  })
  .superRefine((server, ctx) => {
    const kinds = SERVER_KINDS.filter((key) => server[key] !== undefined);
    if (kinds.length > 1) {
      fail(
        ctx,
        `sets both ${kinds[0]} and ${kinds[1]}`,
        'Keep one: command for a stdio server, url for a Streamable HTTP server, or mcpServer for a server of .vscode/mcp.json',
        [kinds[1]],
      );
    } else if (kinds.length === 0) {
      fail(
        ctx,
        'needs a command or a url',
        'Set command for a stdio server, or url for a Streamable HTTP server (in VS Code, mcpServer may name a server of .vscode/mcp.json instead)',
        ['command'],
      );
    }
    if (server.mcpServer !== undefined) {
      for (const key of [...STDIO_ONLY, ...HTTP_ONLY]) {
        if (server[key] !== undefined) fail(ctx, 'does not apply to an mcpServer reference', `Remove ${key}: the server's settings come from .vscode/mcp.json`, [key]);
      }
      return;
    }
    if (server.url !== undefined) {
      for (const key of [...STDIO_ONLY, ...SESSION_KEYS]) {
        if (server[key] !== undefined) fail(ctx, 'only applies to a command server', `Remove ${key}, or use command instead of url`, [key]);
      }
    }
    if (server.command !== undefined) {
      for (const key of HTTP_ONLY) {
        if (server[key] !== undefined) fail(ctx, 'only applies to a url server', `Remove ${key}, or use url instead of command`, [key]);
      }
    } else {
      checkCertKeyPair(server, ctx);
    }
  })
  .meta({
    ...doc(
      'One MCP server: a stdio command, a Streamable HTTP url, or (in VS Code) a server of .vscode/mcp.json by name.',
      'One MCP server: a stdio `command`, a Streamable HTTP `url`, or (in VS Code) `mcpServer`, the name of a server in `.vscode/mcp.json`.',
    ),
    // The exactly-one rule, for editors that validate settings.json with the generated JSON schema.
    oneOf: SERVER_KINDS.map((key) => ({ required: [key] })),
  });

const McpSchema = z
  .strictObject({
    servers: z
      .array(McpServerSchema)
      .max(MAX_CHANNELS, `must have at most ${MAX_CHANNELS} servers`)
      .superRefine((servers, ctx) => {
        const seen = new Map<string, number>();
        servers.forEach((server, index) => {
          const first = seen.get(server.channel);
          if (first !== undefined) {
            fail(ctx, `is already the channel of server ${first + 1}`, 'Give every server its own channel name', [index, 'channel']);
          } else {
            seen.set(server.channel, index);
          }
        });
      })
      // Empty only for a Harpoon-only client (checkHasServers; the loader fills in none for it).
      .meta(doc('MCP servers behind this tunnel, one per channel (1..32; none for a Harpoon-only client).')),
    maxConcurrentRequests: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .default(DEFAULTS.maxConcurrentRequests)
      .meta(doc('Worker pool size: MCP requests running at once (at least 1).')),
    maxMessageBytes: z
      .number()
      .int('must be a whole number')
      .min(1024, 'must be between 1024 and 1073741824')
      .max(1024 * 1024 * 1024, 'must be between 1024 and 1073741824')
      .default(DEFAULTS.maxMessageBytes)
      .meta(
        doc(
          'Largest JSON-RPC message, in bytes, a stdio MCP server is sent or may answer with (default 10 MiB). A larger request is refused with a clear error instead of overflowing the server.',
          'Largest JSON-RPC message, in bytes, a stdio MCP server is sent or may answer with (default 10 MiB, `10485760`). A larger request is refused with a clear error instead of overflowing the server\'s read buffer.',
        ),
      ),
    startupWaitTimeout: duration()
      .default('0s')
      .meta({
        ...doc(
          'Before the first poll, wait up to this long for the main HTTP MCP server to accept connections (for a server started beside the tunnel). 0s polls at once.',
          'Before the first poll, wait up to this long for the `main` Streamable HTTP server to accept connections, e.g. `60s` for a server started beside the tunnel. Only a refused connection is retried; any HTTP answer, even `401`, ends the wait. When the wait runs out, polling starts anyway and the tunnel stays not ready until the server answers. `0s` (the default) polls at once.',
        ),
        patternErrorMessage: DURATION_FIX_EXAMPLE,
      }),
    connectionMaxTtl: duration()
      .superRefine(checkPositiveDuration)
      .default('10m')
      .meta({
        ...doc(
          'Longest one MCP request, with its streamed answer, may take before it is ended with a timeout failure (default 10m).',
          'Longest one MCP request, with its streamed answer, may take before the tunnel ends it and answers with a `timeout` tunnel failure (default `10m`). A shorter deadline sent with the command wins.',
        ),
        patternErrorMessage: DURATION_FIX_EXAMPLE,
      }),
    extraHeaders: headerMap
      .superRefine(checkHeaders(MCP_RESERVED_HEADERS, 'the tunnel sets it per request'))
      .optional()
      .meta(doc('Headers sent to every HTTP MCP server of this profile (never to the control plane).')),
    discoveryExtraHeaders: headerMap
      .superRefine(checkHeaders(MCP_RESERVED_HEADERS, 'the tunnel sets it per request'))
      .optional()
      .meta(
        doc(
          'Headers added only to OAuth discovery requests (protected-resource and authorization-server metadata) sent to the main MCP server\'s origin, after mcp.extraHeaders.',
          'Headers added only to OAuth discovery requests (protected-resource and authorization-server metadata) sent to the `main` MCP server\'s origin, after `mcp.extraHeaders`; never to another origin, never to MCP calls.',
        ),
      ),
    clientCert: filePath('PEM client certificate for mTLS to every HTTP MCP server that sets none of its own.').optional(),
    clientKey: filePath('PEM private key for mcp.clientCert.').optional(),
    caBundle: filePath('Extra PEM CA certificates trusted for HTTP MCP servers. Defaults to the top-level caBundle.', 'Extra PEM CA certificates trusted for HTTP MCP servers. Defaults to the top-level `caBundle`.').optional(),
    proxy: z
      .string()
      .superRefine(checkProxy)
      .optional()
      .meta(doc('HTTP proxy for HTTP MCP servers (URL or env:NAME); wins over the top-level httpProxy.', 'HTTP proxy for HTTP MCP servers (URL or `env:NAME`); wins over the top-level `httpProxy`.')),
  })
  .superRefine(checkCertKeyPair)
  .meta(doc('The private MCP side of the tunnel.'));

const HealthSchema = z
  .strictObject({
    listenAddr: z
      .string()
      .superRefine(checkListenAddr)
      .default(DEFAULTS.healthListenAddr)
      .meta(
        doc(
          'host:port of the /healthz, /readyz and /metrics server. Port 0 picks a free port; an empty string turns the server off.',
          '`host:port` of the `/healthz`, `/readyz` and `/metrics` server. Port `0` picks a free port; `""` turns the server off.',
        ),
      ),
    urlFile: filePath('File written with the bound health URL (useful with port 0).').optional(),
  })
  .prefault({})
  .meta(doc('Local health and metrics endpoints.'));

const LogSchema = z
  .strictObject({
    level: z.enum(LOG_LEVELS).default('info').meta(doc('Lowest level that is logged.')),
    format: z
      .enum(LOG_FORMATS)
      .default('text')
      .meta(doc('Log line format of the command-line client; struct-text (the reference daemon\'s name) is the same as text.', 'Log line format of the command-line client. `struct-text`, the reference daemon\'s name for it, is the same as `text`.')),
    file: filePath('File the command-line client appends its log lines to, instead of standard error.').optional(),
  })
  .prefault({})
  .meta(doc('Logging.'));

const ProcessSchema = z
  .strictObject({
    pidFile: filePath('File the command-line client writes its process id to while it runs.').optional(),
  })
  .prefault({})
  .meta(doc('The command-line client process.'));

/** The reference daemon's bounds for admin_ui.log_buffer_events. */
export const LOG_BUFFER_EVENTS_MAX = 100_000;

const AdminUiSchema = z
  .strictObject({
    allowRemote: z
      .boolean()
      .default(false)
      .meta(doc('Serve the web UI (/ui, /api) also when the health server listens beyond loopback; the token is still required.', 'Serve the web UI (`/ui`, `/api`) also when the health server listens beyond loopback (`--allow-remote-ui`, `ALLOW_REMOTE_UI`); its token is still required.')),
    openBrowser: z.boolean().default(false).meta(doc('Open the web UI in the desktop browser once the health server listens (--open-web-ui, OPEN_WEB_UI).', 'Open the web UI in the desktop browser once the health server listens (`--open-web-ui`, `OPEN_WEB_UI`).')),
    logBufferEvents: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(LOG_BUFFER_EVENTS_MAX, `must be at most ${LOG_BUFFER_EVENTS_MAX}`)
      .default(2000)
      .meta(doc('How many recent log records the web UI and the log export keep in memory.')),
  })
  .prefault({})
  .meta(doc('The web UI that `mcp-tunnel run` serves at /ui on its health server.'));

const TraceSchema = z
  .strictObject({
    capturePayloads: z
      .boolean()
      .default(false)
      .meta(doc('Keep JSON-RPC payloads (redacted) in the trace, not just their metadata.')),
    maxEntries: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be between 1 and 100000')
      .max(100_000, 'must be between 1 and 100000')
      .default(DEFAULTS.traceMaxEntries)
      .meta(doc('How many exchanges the trace keeps before dropping the oldest.')),
  })
  .prefault({})
  .meta(doc('The exchange trace shown in the dashboard.'));

export const TunnelProfileSchema = z
  .strictObject({
    name: z
      .string()
      .regex(PROFILE_NAME_PATTERN, 'must be 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit')
      .meta({
        ...doc('Profile name, as used by --profile and shown in the editor.', 'Profile name, as used by `--profile` and shown in the editor.'),
        patternErrorMessage: 'Use 1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit',
      }),
    controlPlane: ControlPlaneSchema,
    mcp: McpSchema,
    caBundle: filePath('Extra PEM CA certificates added to the system trust (control plane, and MCP servers unless mcp.caBundle is set).').optional(),
    httpProxy: z
      .string()
      .superRefine(checkProxy)
      .optional()
      .meta(doc('HTTP proxy for every hop, control plane and MCP servers (URL or env:NAME, e.g. env:HTTPS_PROXY); a hop\'s own proxy wins.', 'HTTP proxy for every hop, the control plane and HTTP MCP servers: a URL or `env:NAME`, e.g. `env:HTTPS_PROXY`. `controlPlane.httpProxy`, `mcp.proxy` and a server\'s `proxy` win over it.')),
    health: HealthSchema,
    log: LogSchema,
    process: ProcessSchema,
    adminUi: AdminUiSchema,
    trace: TraceSchema,
    harpoon: HarpoonSchema,
  })
  .superRefine(checkHasServers)
  .meta({
    title: 'MCP Tunnel profile',
    ...doc('One tunnel: which control plane and tunnel id to serve, and which private MCP servers answer it.'),
  });

/**
 * A profile a tunnel can run with: it also serves `main` (unless
 * `pollChannels` says otherwise), as the reference daemon requires. Loading
 * and doctor check this; an editor profile being edited or imported need not.
 */
export const RunnableProfileSchema = TunnelProfileSchema.superRefine(checkServedChannels);

export type TunnelProfile = z.output<typeof TunnelProfileSchema>;
/** What a user may write: fields with defaults are optional. */
export type TunnelProfileInput = z.input<typeof TunnelProfileSchema>;
export type McpServerProfile = TunnelProfile['mcp']['servers'][number];
/** One `mcp.servers[]` entry as a user writes it. */
export type McpServerInput = NonNullable<TunnelProfileInput['mcp']['servers']>[number];

/** JSON schema of a profile as written by users (defaults optional), for settings.json. */
export function profileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(TunnelProfileSchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
}

/** Keys whose children are user-chosen names (header names, env var names), not schema fields. */
export const RECORD_FIELDS: ReadonlySet<string> = new Set(['extraHeaders', 'headers', 'env']);

export { profileFieldFix } from './fieldFixes';
