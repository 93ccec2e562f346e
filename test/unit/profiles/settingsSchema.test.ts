import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { TunnelProfileSchema } from '../../../src/profiles/schema';
import { readEditorSettings, type SettingDeclaration } from '../../../src/profiles/editorSettings';
import { PROFILE_SNIPPETS, settingsConfiguration, updateManifest } from '../../../src/profiles/settingsSchema';
import { TUNNEL_ID } from './support';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; description?: string };

const manifestFile = path.resolve(__dirname, '../../../package.json');
const configuration = settingsConfiguration() as { title: string; properties: Record<string, Schema> };
const profiles = configuration.properties['mcpTunnel.profiles'];

function compile(schema: Schema) {
  // VS Code's own keywords (markdownDescription, defaultSnippets, scope, …) are not JSON Schema.
  return new Ajv({ strict: false, allErrors: true }).compile(schema);
}

/** The snippet text VS Code builds from a body: strings as JSON, except `^` strings, which are inserted raw. */
function snippetText(value: unknown): string {
  if (typeof value === 'string') return value.startsWith('^') ? value.slice(1) : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(snippetText).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${snippetText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What the snippet engine inserts when every placeholder keeps its default: `\$` is a literal `$`. */
function expandSnippet(body: unknown): unknown {
  const text = snippetText(body);
  let out = '';
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const placeholder = /^\$\{\d+:/.exec(text.slice(i));
    if (text[i] === '\\' && '$}\\'.includes(text[i + 1])) out += text[++i];
    else if (placeholder) {
      open++;
      i += placeholder[0].length - 1;
    } else if (text[i] === '}' && open > 0) open--;
    else out += text[i];
  }
  return JSON.parse(out);
}

describe('settings schema contributed to VS Code', () => {
  it('is what package.json contributes (run npm run gen:settings after changing a profile field)', () => {
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { contributes?: { configuration?: unknown } };
    assert.deepEqual(manifest.contributes?.configuration, configuration, 'package.json contributes.configuration is stale: run npm run gen:settings');
  });

  it('describes every property of a profile, at every depth', () => {
    const missing: string[] = [];
    const walk = (node: Schema | undefined, where: string) => {
      if (!node) return;
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) missing.push(`${where}.${key}`);
        walk(child, `${where}.${key}`);
      }
      walk(node.items, `${where}[]`);
    };
    walk(configuration as Schema, 'settings');
    assert.deepEqual(missing, []);
    const server = (profiles.items!.properties!.mcp.properties!.servers.items as Schema).properties!;
    assert.match(String(server.mcpServer.markdownDescription), /\.vscode\/mcp\.json/);
    assert.match(String(server.envFile.description), /dotenv/);
  });

  it('declares the editor settings with their defaults, enums and ranges', () => {
    const p = configuration.properties;
    assert.deepEqual(Object.keys(p), ['mcpTunnel.profiles', 'mcpTunnel.autoStart', 'mcpTunnel.restoreRunningTunnels', 'mcpTunnel.trace.capturePayloads', 'mcpTunnel.trace.maxEntries', 'mcpTunnel.logLevel']);
    assert.equal(profiles.type, 'array');
    assert.equal(profiles.scope, 'window');
    assert.deepEqual(p['mcpTunnel.autoStart'], { ...p['mcpTunnel.autoStart'], type: 'boolean', default: false });
    assert.deepEqual(p['mcpTunnel.trace.capturePayloads'].enum, ['auto', 'on', 'off']);
    assert.equal(p['mcpTunnel.trace.capturePayloads'].default, 'auto');
    assert.match(String(p['mcpTunnel.trace.capturePayloads'].markdownDescription), /hosted control plane/);
    assert.equal((p['mcpTunnel.trace.capturePayloads'].enumDescriptions as string[]).length, 3);
    assert.deepEqual([p['mcpTunnel.trace.maxEntries'].minimum, p['mcpTunnel.trace.maxEntries'].maximum, p['mcpTunnel.trace.maxEntries'].default], [100, 10000, 1000]);
    assert.deepEqual(p['mcpTunnel.restoreRunningTunnels'].enum, ['loopback', 'all', 'off']);
    assert.equal(p['mcpTunnel.restoreRunningTunnels'].default, 'loopback');
    assert.match(String(p['mcpTunnel.restoreRunningTunnels'].markdownDescription), /Hosted tunnels are left stopped/);
    assert.deepEqual(p['mcpTunnel.logLevel'].enum, ['debug', 'info', 'warn', 'error']);
    assert.equal(p['mcpTunnel.logLevel'].default, 'info');
    for (const [key, setting] of Object.entries(p)) {
      assert.ok(setting.description, `${key} has a description`);
      assert.equal(setting.$schema, undefined, `${key} carries no $schema`);
    }
  });

  it('accepts profiles as users write them in settings.json', () => {
    const validate = compile(profiles);
    const written = [
      { name: 'docs', controlPlane: { tunnelId: TUNNEL_ID }, mcp: { servers: [{ mcpServer: 'everything' }] } },
      {
        name: 'local',
        controlPlane: { tunnelId: TUNNEL_ID, apiKey: 'env:CONTROL_PLANE_API_KEY', pollTimeout: '20s' },
        mcp: { servers: [{ command: 'node server.js', envFile: '.env', env: { TOKEN: '${env:TOKEN}' } }, { channel: 'search', url: 'https://mcp.internal/mcp' }] },
        log: { level: 'debug' },
      },
    ];
    assert.ok(validate(written), JSON.stringify(validate.errors));
    for (const profile of written) assert.ok(TunnelProfileSchema.safeParse(profile).success, profile.name);
  });

  it('rejects typos, a server with two kinds or none, and a malformed tunnel id', () => {
    const validate = compile(profiles);
    const base = { name: 'dev', controlPlane: { tunnelId: TUNNEL_ID }, mcp: { servers: [{ command: 'node server.js' }] } };
    const invalid: Array<[string, unknown]> = [
      ['unknown key', { ...base, contolPlane: {} }],
      ['command and mcpServer', { ...base, mcp: { servers: [{ command: 'node s.js', mcpServer: 'x' }] } }],
      ['no server kind', { ...base, mcp: { servers: [{ channel: 'main' }] } }],
      ['tunnel id', { ...base, controlPlane: { tunnelId: 'tunnel_ABC' } }],
      ['log level', { ...base, log: { level: 'verbose' } }],
    ];
    for (const [what, profile] of invalid) {
      assert.equal(validate([profile]), false, what);
      assert.equal(TunnelProfileSchema.safeParse(profile).success, false, what);
    }
  });

  it('offers stdio, HTTP and loopback snippets that become valid profiles once the tunnel id is pasted (the loopback one needs none)', () => {
    assert.deepEqual((profiles.items!.defaultSnippets as unknown[]).length, 3);
    const validate = compile(profiles);
    const inserted = PROFILE_SNIPPETS.map((snippet) => expandSnippet(snippet.body) as { loopback?: boolean; controlPlane?: { tunnelId: string }; mcp: { servers: Record<string, unknown>[] } });
    const [stdio, http, loopback] = inserted;
    for (const profile of [stdio, http]) {
      assert.match(profile.controlPlane!.tunnelId, /^tunnel_/);
      profile.controlPlane!.tunnelId = TUNNEL_ID;
      assert.ok(TunnelProfileSchema.safeParse(profile).success, JSON.stringify(profile));
    }
    assert.ok(validate(inserted), JSON.stringify(validate.errors));
    assert.equal(stdio.mcp.servers[0].command, 'npx -y @modelcontextprotocol/server-everything');
    assert.deepEqual(http.mcp.servers[0].headers, { Authorization: 'Bearer ${env:MCP_TOKEN}' });
    assert.equal(loopback.loopback, true);
    assert.equal(loopback.controlPlane, undefined);
    assert.equal(JSON.stringify(loopback).includes('8787'), false, 'the loopback snippet needs no relay started by hand');
  });

  it('takes a loopback profile without a control plane, and refuses one with both or a hosted one without', () => {
    const validate = compile(profiles);
    const servers = { servers: [{ command: 'node server.js' }] };
    assert.ok(validate([{ name: 'here', loopback: true, mcp: servers }]), JSON.stringify(validate.errors));
    assert.equal(validate([{ name: 'both', loopback: true, controlPlane: { tunnelId: TUNNEL_ID }, mcp: servers }]), false);
    assert.equal(validate([{ name: 'none', mcp: servers }]), false);
    assert.equal(validate([{ name: 'off', loopback: false, mcp: servers }]), false);
  });

  it('rewrites only contributes.configuration of a manifest, keeping key order and indentation', () => {
    const before = `${JSON.stringify({ name: 'x', contributes: { commands: [{ command: 'a' }], configuration: { stale: true }, menus: {} }, scripts: { build: 'b' } }, null, 2)}\n`;
    const after = updateManifest(before);
    const parsed = JSON.parse(after) as { contributes: Record<string, unknown>; scripts: unknown };
    assert.deepEqual(Object.keys(parsed.contributes), ['commands', 'configuration', 'menus']);
    assert.deepEqual(parsed.contributes.configuration, configuration);
    assert.deepEqual(parsed.scripts, { build: 'b' });
    assert.ok(after.endsWith('}\n') && after.includes('\n  "contributes": {\n    "commands": ['));
    assert.equal(updateManifest(after), after);
  });

  it('reads editor settings against the generated declarations, falling back to the default for a value VS Code would flag', () => {
    const declarations = settingsConfiguration().properties as Record<string, SettingDeclaration>;
    const values: Record<string, unknown> = { autoStart: true, 'trace.capturePayloads': 'sometimes', 'trace.maxEntries': 50, logLevel: 'warn' };
    assert.deepEqual(readEditorSettings((key) => values[key], declarations), { autoStart: true, restoreRunningTunnels: 'loopback', 'trace.capturePayloads': 'auto', 'trace.maxEntries': 1000, logLevel: 'warn' });
    const odd: Record<string, unknown> = { autoStart: 'yes', 'trace.capturePayloads': 'on', 'trace.maxEntries': 250.5, logLevel: 'loud' };
    assert.deepEqual(readEditorSettings((key) => odd[key], declarations), { autoStart: false, restoreRunningTunnels: 'loopback', 'trace.capturePayloads': 'on', 'trace.maxEntries': 1000, logLevel: 'info' });
    assert.deepEqual(readEditorSettings(() => undefined, declarations), { autoStart: false, restoreRunningTunnels: 'loopback', 'trace.capturePayloads': 'auto', 'trace.maxEntries': 1000, logLevel: 'info' });
  });
});
