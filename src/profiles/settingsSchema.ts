/**
 * The extension's settings, as contributed to VS Code (`contributes.configuration`
 * in package.json). `mcpTunnel.profiles` is generated from the one profile
 * schema; the editor-only settings are zod schemas here, so the extension can
 * read them with the same definitions. `npm run gen:settings` writes the
 * result into package.json, and a unit test fails when package.json is stale.
 *
 * `mcpTunnel.profiles` has window scope: the extension reads profiles from
 * user and workspace settings (not per folder), and resolves `mcpServer`
 * references against the first workspace folder's `.vscode/mcp.json`.
 * Restricted Mode for workspace values is declared in package.json
 * `capabilities.untrustedWorkspaces`, next to the manifest it belongs to.
 */
import * as z from 'zod';
import { LOG_LEVELS } from '../engine/log';
import { CAPTURE_PAYLOAD_MODES, EDITOR_SETTING_KEYS, RESTORE_MODES, SETTINGS_SECTION, type EditorSettings } from './editorSettings';
import { profileJsonSchema } from './schema';

export { SETTINGS_SECTION };

type JsonSchema = Record<string, unknown>;

/** Editor-only settings, keyed by their name under `mcpTunnel.`. */
export const EditorSettingsSchema = z.object({
  autoStart: z
    .boolean()
    .default(false)
    .meta({
      description: 'Start every tunnel profile when a window opens. Workspace profiles that run a command start only in a trusted workspace.',
      markdownDescription:
        'Start every tunnel profile when a window opens. Workspace profiles that run a `command` (or name a stdio server of `.vscode/mcp.json`) start only in a trusted workspace.',
    }),
  restoreRunningTunnels: z
    .enum(RESTORE_MODES)
    .default('loopback')
    .meta({
      description:
        'Which tunnels that were running when a window closed or reloaded are started again when it opens. loopback (the default): those running on this machine only; all: hosted ones too; off: none.',
      markdownDescription:
        'Which tunnels that were running when a window closed or reloaded are started again when it opens. `loopback` (the default) restarts those that ran on this machine only (a loopback profile, or **Start Loopback**): nothing outside this machine can reach them. Hosted tunnels are left stopped unless this is `all`, because a hosted tunnel lets remote agents reach your MCP server again without a click (like `mcpTunnel.autoStart`). `off` restarts none.',
      enumDescriptions: [
        'Restart tunnels that ran on this machine only (loopback), not hosted ones.',
        'Restart every tunnel that was running, hosted ones too.',
        'Restart none: every tunnel starts stopped.',
      ],
    }),
  'trace.capturePayloads': z
    .enum(CAPTURE_PAYLOAD_MODES)
    .default('auto')
    .meta({
      description:
        'Whether the dashboard trace keeps JSON-RPC payloads (redacted) or only their metadata. auto: off for hosted control planes, on for a relay on this machine (loopback).',
      markdownDescription:
        'Whether the dashboard trace keeps JSON-RPC payloads (tool arguments and results, with secrets redacted) or only their metadata (method, size, timing, outcome). `auto` keeps them only when the control plane is a relay on this machine (loopback), never for a hosted control plane. In the editor this setting decides; a profile\'s `trace.capturePayloads` applies to the command-line client.',
      enumDescriptions: [
        'Off for hosted control planes, on for a relay on this machine (loopback).',
        'Always keep payloads (redacted). They may contain the data your tools read and return.',
        'Never keep payloads: the trace shows metadata only.',
      ],
    }),
  'trace.maxEntries': z
    .number()
    .int()
    .min(100)
    .max(10_000)
    .default(1000)
    .meta({
      description: 'How many JSON-RPC exchanges the dashboard trace keeps per tunnel before dropping the oldest (100..10000).',
    }),
  logLevel: z
    .enum(LOG_LEVELS)
    .default('info')
    .meta({
      description: 'Lowest level written to the MCP Tunnel output channel.',
      enumDescriptions: ['Detailed diagnostics, for troubleshooting.', 'Normal operation: starts, stops and state changes.', 'Problems that need attention, and failures.', 'Failures only.'],
    }),
});

// The reader's plain type and the schema must agree, key for key and type for type.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const settingsAgree: Same<EditorSettings, z.output<typeof EditorSettingsSchema>> = true;
void settingsAgree;

const TUNNEL_ID_PLACEHOLDER = 'tunnel_${2:id from the Platform tunnel settings}';

/** Completion snippets offered when a profile is added to `mcpTunnel.profiles` in settings.json. */
export const PROFILE_SNIPPETS: readonly JsonSchema[] = [
  {
    label: 'MCP Tunnel: stdio server',
    description: 'A tunnel in front of a local command; its API key is set with "MCP Tunnel: Set API Key…".',
    body: {
      name: '${1:local-dev}',
      controlPlane: { tunnelId: TUNNEL_ID_PLACEHOLDER },
      mcp: { servers: [{ command: '${3:npx -y @modelcontextprotocol/server-everything}' }] },
    },
  },
  {
    label: 'MCP Tunnel: HTTP server',
    description: 'A tunnel in front of a private Streamable HTTP server, with a bearer token from the environment.',
    body: {
      name: '${1:internal-docs}',
      controlPlane: { tunnelId: TUNNEL_ID_PLACEHOLDER },
      // `^` inserts the text raw, so `\$` reaches the snippet engine and a literal ${env:…} is written.
      mcp: { servers: [{ url: '${3:https://mcp.internal/mcp}', headers: { Authorization: '^"Bearer \\${env:${4:MCP_TOKEN}}"' } }] },
    },
  },
  {
    label: 'MCP Tunnel: this machine only (loopback)',
    description: 'A tunnel that runs on this machine only: the editor starts a relay for it, so it needs no tunnel id and no API key.',
    body: {
      name: '${1:loopback}',
      loopback: true,
      mcp: { servers: [{ command: '${2:npx -y @modelcontextprotocol/server-everything}' }] },
    },
  },
];

/** zod's draft-7 output, made to sit inside another schema. */
function embeddable(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return stripKeyTypes(rest) as JsonSchema;
}

/** `propertyNames: {type: string}` says nothing in JSON (keys are strings): drop it. */
function stripKeyTypes(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripKeyTypes);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue;
    out[key] = stripKeyTypes(value);
  }
  return out;
}

function editorSetting(key: keyof typeof EditorSettingsSchema.shape): JsonSchema {
  const schema = EditorSettingsSchema.shape[key];
  return embeddable(z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as JsonSchema);
}

/** The `mcpTunnel.profiles` setting: an array of profiles, each validated like any other profile source. */
export function profilesSetting(): JsonSchema {
  return {
    type: 'array',
    default: [],
    scope: 'window',
    order: 0,
    description:
      'Tunnel profiles. Each serves one tunnel id of a control plane (hosted, or a relay on this machine), or with "loopback": true runs on this machine only, from private MCP servers: a command, a url, or mcpServer (the name of a server in .vscode/mcp.json). Leave controlPlane.apiKey out to use the key stored with "MCP Tunnel: Set API Key…".',
    markdownDescription:
      'Tunnel profiles. Each serves one tunnel id of a control plane (hosted, or a relay on this machine), or with `"loopback": true` runs on this machine only (no control plane, tunnel id or key), from private MCP servers: a `command`, a `url`, or `mcpServer`, the name of a server in `.vscode/mcp.json`. Leave `controlPlane.apiKey` out to use the key stored with **MCP Tunnel: Set API Key…**. Read from user and workspace settings; a workspace profile hides a user profile of the same name.',
    items: { ...withLoopback(embeddable(profileJsonSchema())), defaultSnippets: PROFILE_SNIPPETS },
  };
}

/**
 * The editor's one addition to a profile: `"loopback": true` runs it on this
 * machine against a relay the editor starts, so it has no `controlPlane`
 * (src/extension/profiles.ts reads it). Any other profile needs one.
 */
function withLoopback(profile: JsonSchema): JsonSchema {
  const properties = profile.properties as Record<string, JsonSchema>;
  const required = (profile.required as string[]).filter((key) => key !== 'controlPlane');
  const loopback: JsonSchema = {
    type: 'boolean',
    description: 'Run on this machine only (VS Code): the editor starts a relay for this profile, so it needs no controlPlane, tunnel id or API key.',
    markdownDescription:
      'Run on this machine only (VS Code): the editor starts a relay for this profile and the tunnel polls it, so any MCP client here can use the whole tunnel through its front door. Leave `controlPlane` out; no tunnel id or API key is needed.',
  };
  const { name, ...rest } = properties;
  return {
    ...profile,
    properties: { name, loopback, ...rest },
    required,
    if: { properties: { loopback: { const: true } }, required: ['loopback'] },
    then: { properties: { controlPlane: false } },
    else: { required: ['controlPlane'] },
  };
}

/** The whole `contributes.configuration` value. */
export function settingsConfiguration(): JsonSchema {
  const properties: Record<string, JsonSchema> = { [`${SETTINGS_SECTION}.profiles`]: profilesSetting() };
  EDITOR_SETTING_KEYS.forEach((key, index) => {
    properties[`${SETTINGS_SECTION}.${key}`] = { ...editorSetting(key), scope: 'window', order: index + 1 };
  });
  return { title: 'MCP Tunnel', properties };
}

/**
 * package.json text with `contributes.configuration` replaced and nothing else
 * changed (key order kept, 2-space indentation, trailing newline as before).
 */
export function updateManifest(packageJsonText: string): string {
  const manifest = JSON.parse(packageJsonText) as Record<string, unknown>;
  const contributes = (manifest.contributes ??= {}) as Record<string, unknown>;
  contributes.configuration = settingsConfiguration();
  return JSON.stringify(manifest, null, 2) + (packageJsonText.endsWith('\n') ? '\n' : '');
}
